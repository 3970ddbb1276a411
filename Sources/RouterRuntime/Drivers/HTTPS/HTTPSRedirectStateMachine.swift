import NIOCore
import RouterWire

/// One `--http-to-https` client as a value: reads a request head under the headers deadline and
/// answers it as uWSGI does (`hr_force_https`): `301 Moved Permanently` with
/// `Location: https://HOST[:PORT]URI`, HOST being the Host header without its port (or the
/// server name), then closes. A bad head gets a 400, a late one a 408, both closing.
///
/// Unlike uWSGI, an IPv6 Host (`[::1]:8080`) keeps its brackets, and a Host holding bytes a URL
/// cannot is answered 400 rather than echoed into the header.
struct HTTPSRedirectStateMachine {
    /// The listener's settings.
    struct Configuration {
        /// The port after `--http-to-https ADDR,`, if given.
        var port: Int?
        /// The host of requests without Host (the server name).
        var defaultHost: String
        var headersTimeout = TimeAmount.seconds(60)
        var maximumHeadSize = 8192
    }

    /// What the handler does next.
    enum Action: Equatable {
        case none
        case armTimer(NIODeadline)
        /// Write these bytes, flush and close.
        case answer(ByteBuffer)
    }

    let configuration: Configuration
    private var parser: HTTPHeadParser
    private var inbound = ByteBuffer()
    private var scratch = ByteBuffer()
    private var done = false
    private static let vars = try? HTTPConnectionVars(serverName: "", serverPort: "", remoteAddress: "", remotePort: "")

    init(configuration: Configuration) {
        self.configuration = configuration
        self.parser = HTTPHeadParser(maximumHeadSize: configuration.maximumHeadSize)
    }

    /// The connection became active.
    func start(now: NIODeadline) -> Action {
        .armTimer(now + configuration.headersTimeout)
    }

    /// Bytes of the request arrived.
    mutating func clientRead(_ bytes: ByteBuffer) -> Action {
        guard !done, let vars = Self.vars else { return .none }
        var bytes = bytes
        inbound.writeBuffer(&bytes)
        scratch.clear()
        let head: HTTPRequestHead
        do {
            guard let parsed = try parser.parse(inbound, connection: vars, into: &scratch) else { return .none }
            head = parsed
        } catch {
            done = true
            return .answer(error.isHeadTooLarge ? HTTPErrorResponse.headTooLarge : HTTPErrorResponse.badRequest)
        }
        done = true
        let host = head.hostString(in: inbound) ?? configuration.defaultHost
        guard let uri = head.uri(in: inbound), let location = Self.location(host: host, port: configuration.port, uri: Array(uri)) else {
            return .answer(HTTPErrorResponse.badRequest)
        }
        var answer = ByteBuffer(string: "HTTP/1.1 301 Moved Permanently\r\nLocation: ")
        answer.writeBytes(location)
        answer.writeString("\r\n\r\n")
        return .answer(answer)
    }

    /// The head did not arrive in time.
    mutating func deadlineFired() -> Action {
        guard !done else { return .none }
        done = true
        return .answer(HTTPErrorResponse.requestTimeout)
    }

    /// `https://HOST[:PORT]URI`, or nil when the host holds bytes a URL authority cannot.
    static func location(host: String, port: Int?, uri: [UInt8]) -> [UInt8]? {
        var name = Substring(host)
        if name.hasPrefix("[") {
            guard let close = name.firstIndex(of: "]") else { return nil }
            name = name[...close]
        } else if let colon = name.firstIndex(of: ":") {
            name = name[..<colon]
        }
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "@") }) else {
            return nil
        }
        var out = Array("https://".utf8) + Array(name.utf8)
        if let port { out += Array(":\(port)".utf8) }
        return out + uri
    }
}

extension WireError {
    /// True for `.headTooLarge`.
    fileprivate var isHeadTooLarge: Bool {
        if case .headTooLarge = self { return true }
        return false
    }
}
