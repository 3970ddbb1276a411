// libFuzzer target: fleetrouter's operator state file (Benchmarks/fuzz.sh). It is compiled
// together with Sources/RouterRuntime/State/StateFile*.swift, so it decodes exactly as
// `StateFile.load` does without linking the whole runtime.
import Foundation
import RouterCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStateFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let state = try? StateFile<[String: OperatorState]>.decode(bytes) else { return 0 }
    // An accepted state saves to JSON that loads back to the same state.
    guard let saved = try? StateFile<[String: OperatorState]>.encode(state),
          let again = try? StateFile<[String: OperatorState]>.decode(saved), again == state
    else { fatalError("state file does not survive saving") }
    return 0
}
