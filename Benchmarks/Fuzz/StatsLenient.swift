// libFuzzer target: stats documents as real routers write them, repaired leniently (Benchmarks/fuzz.sh).
import RouterWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStatsLenient(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let document = try? StatsDocument.decode(lenient: bytes) else { return 0 }
    // Whatever was accepted re-encodes to strict JSON that decodes to the same value.
    guard let again = try? StatsDocument.decode(strict: document.encodeJSON()), again == document else {
        fatalError("leniently decoded stats document does not survive re-encoding")
    }
    return 0
}
