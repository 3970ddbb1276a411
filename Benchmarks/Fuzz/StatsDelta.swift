// libFuzzer target: a watch's delta line applied to a stats document (Benchmarks/fuzz.sh). The
// input is a document, a newline, then the delta line, so both sides are explored.
import NIOCore
import RouterWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStatsDelta(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")),
          let base = try? StatsDocument.decode(lenient: UnsafeBufferPointer(rebasing: bytes[..<newline])) else { return 0 }
    let line = ByteBuffer(bytes: bytes[(newline + 1)...])
    guard let applied = try? base.applying(delta: line) else { return 0 }
    // Whatever a delta made re-encodes to strict JSON that decodes to the same value.
    guard let again = try? StatsDocument.decode(strict: applied.encodeJSON()), again == applied else {
        fatalError("a document made by a delta does not survive re-encoding")
    }
    // The sender's delta between the two, when it makes one, gives exactly the new document.
    if let delta = applied.deltaJSON(from: base), (try? base.applying(delta: ByteBuffer(bytes: delta))) != applied {
        fatalError("the sender's delta does not give the document it was made from")
    }
    return 0
}
