// libFuzzer target: stats documents, strict JSON (Benchmarks/fuzz.sh).
import RouterWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStatsStrict(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let document = try? StatsDocument.decode(strict: bytes) else { return 0 }
    // An accepted document re-encodes to strict JSON that decodes to the same value.
    guard let again = try? StatsDocument.decode(strict: document.encodeJSON()), again == document else {
        fatalError("stats document does not survive re-encoding")
    }
    return 0
}
