// libFuzzer target: PROXY protocol v1 lines (Benchmarks/fuzz.sh).
import NIOCore
import RouterWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProxyLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    _ = ProxyLine.mayStart(buffer)
    guard let line = try? ProxyLine.parse(buffer) else { return 0 }
    _ = line
    return 0
}
