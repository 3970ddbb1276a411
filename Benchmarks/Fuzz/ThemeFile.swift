// libFuzzer target: theme files (YAML) as Dashboard's theme loader reads them (Benchmarks/fuzz.sh).
import Dashboard

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzThemeFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        _ = try ThemeLoader.parse(text, file: "fuzz.yaml")
    } catch {
        // Every refusal names the file.
        guard "\(error)".contains("fuzz.yaml") else { fatalError("theme error does not name the file: \(error)") }
    }
    return 0
}
