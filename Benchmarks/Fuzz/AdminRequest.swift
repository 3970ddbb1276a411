// libFuzzer target: admin API requests and responses (Benchmarks/fuzz.sh).
// Input layout: method, LF, path (with query), LF, body; the whole input is also tried as a
// response body, since fleettop reads responses from routers it does not control.
import RouterWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAdminRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? AdminResponse.decode(bytes)

    let parts = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
    let method = String(decoding: parts[0], as: UTF8.self)
    let path = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : "/v1/state"
    let body = parts.count > 2 ? Array(parts[2]) : nil
    if let query = path.split(separator: "?", maxSplits: 1).dropFirst().first {
        _ = try? AdminScope(query: String(query))
    }
    guard let request = try? AdminRequest(method: method, path: path, body: body) else { return 0 }
    // An accepted request is what the client would send for it.
    guard let again = try? AdminRequest(method: request.httpMethod, path: request.path, body: request.body),
          again == request
    else { fatalError("admin request does not survive re-encoding: \(request)") }
    return 0
}
