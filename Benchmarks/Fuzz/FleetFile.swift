// libFuzzer target: fleet files (YAML) as FleetModel reads them (Benchmarks/fuzz.sh).
import FleetModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFleetFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let fleet = try FleetFile.parse(text, file: "fuzz.yaml")
        guard !fleet.routers.isEmpty else { fatalError("fleet file accepted with no routers") }
    } catch {
        // Every refusal names the file.
        guard "\(error)".contains("fuzz.yaml") else { fatalError("fleet file error does not name the file: \(error)") }
    }
    return 0
}
