/// A small blocking HTTP/1.1 client over TCP or a unix socket, for talking to fleetrouter's
/// and uWSGI's HTTP routers byte for byte. Keeps one keep-alive connection and reconnects when
/// the server closed it. Every call is bounded by `timeout`.
final class HTTPClient {
    /// The router's client listener.
    let endpoint: Endpoint
    /// Bound on each request (connect, send, full response).
    let timeout: Duration
    private var socket: BlockingSocket?
    private var reader = HTTPResponseReader()

    /// A client for `endpoint`; nothing is connected until the first request.
    init(_ endpoint: Endpoint, timeout: Duration = .seconds(10)) {
        self.endpoint = endpoint
        self.timeout = timeout
    }

    /// The head of a request as this client writes it.
    static func requestHead(
        method: String = "GET", path: String, host: String?, headers: [(String, String)] = [],
        bodyLength: Int = 0, close: Bool = false
    ) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\n"
        if let host { head += "Host: \(host)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if bodyLength > 0 || method == "POST" { head += "Content-Length: \(bodyLength)\r\n" }
        if close { head += "Connection: close\r\n" }
        head += "\r\n"
        return Array(head.utf8)
    }

    /// Sends one request on the kept connection (opening one if needed) and reads its response.
    func request(
        _ method: String = "GET", _ path: String = "/", host: String? = "app.local",
        headers: [(String, String)] = [], body: [UInt8] = []
    ) throws -> HTTPResponse {
        let bytes = Self.requestHead(method: method, path: path, host: host, headers: headers, bodyLength: body.count) + body
        return try exchange(bytes)
    }

    /// Sends raw bytes as a request and reads one response.
    func exchange(_ bytes: [UInt8]) throws -> HTTPResponse {
        let deadline = ContinuousClock.now + timeout
        let socket = try connected(deadline: deadline)
        do {
            try socket.send(bytes, deadline: deadline)
            let response = try reader.read(from: socket, deadline: deadline)
            if response.closesConnection || response.header("content-length") == nil && response.header("transfer-encoding") == nil {
                disconnect()
            }
            return response
        } catch {
            disconnect()
            throw error
        }
    }

    /// Drops the kept connection.
    func disconnect() {
        socket = nil
        reader = HTTPResponseReader()
    }

    private func connected(deadline: ContinuousClock.Instant) throws -> BlockingSocket {
        // A server may close an idle kept-alive connection without saying so; like any HTTP
        // client, do not send on one that is already closed. A close after the request was
        // sent is never retried: that is the router's failure to report.
        if let socket, !socket.isClosedByPeer { return socket }
        disconnect()
        let socket = try BlockingSocket.connect(to: endpoint, timeout: deadline - ContinuousClock.now)
        self.socket = socket
        return socket
    }
}

extension HTTPClient {
    /// One request on a fresh connection that is closed afterwards.
    static func get(_ endpoint: Endpoint, _ path: String = "/", host: String? = "app.local", timeout: Duration = .seconds(10)) throws -> HTTPResponse {
        let client = HTTPClient(endpoint, timeout: timeout)
        defer { client.disconnect() }
        return try client.exchange(requestHead(path: path, host: host, close: true))
    }

    /// What a raw exchange ended with: a response, or the connection closing (or being reset)
    /// with no response at all.
    enum Outcome: Sendable, CustomStringConvertible {
        case response(HTTPResponse)
        case closedWithoutResponse
        /// Bytes came back that are not an HTTP/1.x response (e.g. a node's answer relayed as is).
        case malformed(String)

        var description: String {
            switch self {
            case .response(let response): return "response '\(response.statusLine)'"
            case .closedWithoutResponse: return "connection closed without a response"
            case .malformed(let what): return "not an HTTP response: \(what)"
            }
        }

        /// The status, nil for a close.
        var status: Int? {
            if case .response(let response) = self { return response.status }
            return nil
        }
    }

    /// Sends `bytes` on a fresh connection, then reads whatever comes back within `timeout`:
    /// a response, or a close with zero bytes. A timeout is thrown.
    static func rawExchange(_ endpoint: Endpoint, _ bytes: [UInt8], timeout: Duration = .seconds(10)) throws -> Outcome {
        let deadline = ContinuousClock.now + timeout
        let socket = try BlockingSocket.connect(to: endpoint, timeout: timeout)
        do {
            try socket.send(bytes, deadline: deadline)
        } catch SocketError.reset {
            // The router may answer and close while a large head is still being sent; the
            // answer can still be read below.
        }
        var reader = HTTPResponseReader()
        do {
            return .response(try reader.read(from: socket, deadline: deadline))
        } catch SocketError.reset {
            return .closedWithoutResponse
        } catch HTTPReadError.closed(_, afterBytes: 0) {
            return .closedWithoutResponse
        } catch HTTPReadError.malformed(_, let what) {
            return .malformed(what)
        }
    }
}
