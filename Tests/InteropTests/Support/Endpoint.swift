/// A socket address as uWSGI and fleetrouter print it: `127.0.0.1:41234`, `[::1]:41234`, a
/// unix path, or `@name` for an abstract unix socket.
enum Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// TCP or UDP on an IP literal (IPv6 without brackets).
    case inet(host: String, port: UInt16)
    /// A unix socket; a leading `@` means the abstract namespace.
    case unix(path: String)

    /// Parses the printed form; throws naming the text when it is none of the forms above.
    init(parsing text: String) throws {
        if text.hasPrefix("/") || text.hasPrefix("@") || text.hasPrefix("./") {
            self = .unix(path: text)
            return
        }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                  text[text.index(after: close)...].hasPrefix(":"),
                  let port = UInt16(text[text.index(close, offsetBy: 2)...])
            else { throw InteropError("endpoint '\(text)': expected [ipv6]:port") }
            self = .inet(host: String(text[text.index(after: text.startIndex)..<close]), port: port)
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else {
            throw InteropError("endpoint '\(text)': expected host:port with a non-zero port, [ipv6]:port or a unix path")
        }
        let host = String(text[..<colon])
        self = .inet(host: host.isEmpty ? "127.0.0.1" : host, port: port)
    }

    /// The form uWSGI's options take (and fleetrouter prints).
    var description: String {
        switch self {
        case .inet(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return path
        }
    }

    /// The port of an inet endpoint.
    var port: UInt16? {
        if case .inet(_, let port) = self { return port }
        return nil
    }
}
