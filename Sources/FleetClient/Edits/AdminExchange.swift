import FleetModel
import NIOCore
import RouterWire

/// fleetrouter's admin API on the client side, without I/O: the request bytes and the
/// mapping of an HTTP answer to an `EditOutcome`.
enum AdminExchange {
    /// An HTTP/1.1 request for `request` narrowed to `scope`, closing the connection after
    /// the answer.
    static func requestBytes(_ request: AdminRequest, scope: AdminScope?, host: String, token: String?) -> ByteBuffer {
        let body = request.body ?? []
        var head = "\(request.httpMethod) \(request.target(scope: scope)) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: fleettop\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if request.body != nil { head += "Content-Type: application/json\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        var buffer = ByteBuffer(string: head)
        buffer.writeBytes(body)
        return buffer
    }

    /// What an answer means: 2xx with `ok` applied, 401/403/other 4xx refused, the rest failed,
    /// each with the server's own message.
    static func outcome(status: Int, reason: String, body: ByteBuffer, hasToken: Bool) -> (EditOutcome, AdminResponse?) {
        let response = try? AdminResponse.decode(body.readableBytesView)
        let message = response?.message ?? serverMessage(body) ?? reason
        switch status {
        case 200..<300:
            guard let response else {
                return (.failed(error: "HTTP \(status) answer is not an admin response: \(message)"), nil)
            }
            return (response.ok ? .applied : .refused(reason: response.message), response)
        case 401:
            let hint = hasToken ? "" : " (no token file configured for this router)"
            return (.refused(reason: "unauthorized (HTTP 401): \(message)\(hint)"), response)
        case 403:
            return (.refused(reason: "forbidden (HTTP 403): \(message)"), response)
        case 400..<500:
            return (.refused(reason: "HTTP \(status): \(message)"), response)
        default:
            return (.failed(error: "HTTP \(status): \(message)"), response)
        }
    }

    /// The `error` member of a JSON error body, else the body's first line of text.
    static func serverMessage(_ body: ByteBuffer) -> String? {
        if let json = try? JSONValue(parsing: body.readableBytesView), case .string(let text)? = json["error"] {
            return text
        }
        let text = String(decoding: body.readableBytesView.prefix(200), as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.isEmpty ? nil : line
    }
}
