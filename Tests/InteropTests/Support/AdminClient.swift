import RouterWire

/// Calls fleetrouter's admin API (JSON over HTTP/1.1), building each request with RouterWire's
/// `AdminRequest` and authorising it with a bearer token, a wrong one, or none.
struct AdminClient: Sendable {
    /// The admin listener.
    let endpoint: Endpoint
    /// The token from `--admin-token-file`.
    let token: String

    /// Which `Authorization` header to send.
    enum Credentials: Sendable {
        /// The right bearer token.
        case valid
        /// This bearer token instead.
        case bearer(String)
        /// No `Authorization` header.
        case none
    }

    /// Sends `request` and returns the response.
    func send(_ request: AdminRequest, as credentials: Credentials = .valid, timeout: Duration = .seconds(5)) throws -> HTTPResponse {
        var headers: [(String, String)] = []
        switch credentials {
        case .valid: headers.append(("Authorization", "Bearer \(token)"))
        case .bearer(let other): headers.append(("Authorization", "Bearer \(other)"))
        case .none: break
        }
        let body = request.body ?? []
        if !body.isEmpty { headers.append(("Content-Type", "application/json")) }
        let head = HTTPClient.requestHead(
            method: request.httpMethod, path: request.path, host: "fleetrouter-admin",
            headers: headers, bodyLength: body.count, close: true
        )
        let client = HTTPClient(endpoint, timeout: timeout)
        defer { client.disconnect() }
        return try client.exchange(head + body)
    }

    /// Sends an edit that must succeed (2xx); throws with the response otherwise.
    @discardableResult
    func apply(_ request: AdminRequest) throws -> HTTPResponse {
        let response = try send(request)
        guard (200..<300).contains(response.status) else {
            throw InteropError("admin \(request.httpMethod) \(request.path) answered '\(response.statusLine)': \(response.text)")
        }
        return response
    }
}
