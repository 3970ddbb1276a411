import NIOCore

/// The uwsgi vars that are the same for every request on one client connection, encoded once.
///
/// uWSGI emits them between `SCRIPT_NAME` and the headers (`SERVER_NAME`, `SERVER_PORT`,
/// `UWSGI_ROUTER`, `HTTPS` and the TLS vars, `REMOTE_ADDR`, `REMOTE_PORT`) and after the
/// headers (`--http-var` items); encoding them per connection keeps them off the per-request path.
///
/// The encoded items live in one shared, immutable box: the value is copied per request (out
/// of a connection's state machine into the parser), and a copy then costs one reference count,
/// not one per buffer.
public struct HTTPConnectionVars: Sendable, Hashable {
    /// Encoded items written after `SCRIPT_NAME`.
    public var middle: ByteBuffer { storage.middle }
    /// Encoded items written after the headers.
    public var trailing: ByteBuffer { storage.trailing }
    /// `--http-server-name-as-http-host`: SERVER_NAME is the Host value, written just before HTTP_HOST.
    public var serverNameAsHTTPHost: Bool { storage.serverNameAsHTTPHost }
    /// The items of `middle` before `REMOTE_ADDR`, kept to replace the client address later.
    private var beforeRemote: ByteBuffer { storage.beforeRemote }

    /// The encoded items; the parser reads them here, borrowed, not through a copy.
    let storage: Storage

    /// The encoded items, shared by every copy.
    final class Storage: Sendable {
        let middle: ByteBuffer
        let trailing: ByteBuffer
        let serverNameAsHTTPHost: Bool
        let beforeRemote: ByteBuffer

        init(middle: ByteBuffer, trailing: ByteBuffer, serverNameAsHTTPHost: Bool, beforeRemote: ByteBuffer) {
            self.middle = middle
            self.trailing = trailing
            self.serverNameAsHTTPHost = serverNameAsHTTPHost
            self.beforeRemote = beforeRemote
        }
    }

    /// Equal when the encoded items are.
    public static func == (lhs: HTTPConnectionVars, rhs: HTTPConnectionVars) -> Bool {
        lhs.storage === rhs.storage
            || (lhs.middle == rhs.middle && lhs.trailing == rhs.trailing
                && lhs.serverNameAsHTTPHost == rhs.serverNameAsHTTPHost && lhs.beforeRemote == rhs.beforeRemote)
    }

    /// Hashes the encoded items.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(middle)
        hasher.combine(trailing)
        hasher.combine(serverNameAsHTTPHost)
        hasher.combine(beforeRemote)
    }

    /// Encodes the per-connection vars.
    ///
    /// - Parameters:
    ///   - serverName: the machine hostname (ignored when `serverNameAsHTTPHost`).
    ///   - serverPort: the port part of the listener address as configured.
    ///   - remoteAddress: the client address (or the PROXY line's source).
    ///   - remotePort: the client port.
    ///   - isHTTPS: adds `HTTPS=on`.
    ///   - tlsVars: further TLS items (`HTTPS_DN`, `HTTPS_CLIENT_CERTIFICATE`, …) after `HTTPS`.
    ///   - extraVars: `--http-var` items, written after the headers.
    public init(
        serverName: String,
        serverPort: String,
        remoteAddress: String,
        remotePort: String,
        isHTTPS: Bool = false,
        tlsVars: [(key: String, value: [UInt8])] = [],
        extraVars: [(key: String, value: String)] = [],
        serverNameAsHTTPHost: Bool = false
    ) throws(WireError) {
        var middle = ByteBuffer()
        if !serverNameAsHTTPHost {
            try middle.writeUwsgiVar(key: "SERVER_NAME", value: serverName)
        }
        try middle.writeUwsgiVar(key: "SERVER_PORT", value: serverPort)
        try middle.writeUwsgiVar(key: "UWSGI_ROUTER", value: "http")
        if isHTTPS {
            try middle.writeUwsgiVar(key: "HTTPS", value: "on")
        }
        for (key, value) in tlsVars {
            try middle.writeUwsgiVar(key: key, value: value)
        }
        let beforeRemote = middle
        try middle.writeUwsgiVar(key: "REMOTE_ADDR", value: remoteAddress)
        try middle.writeUwsgiVar(key: "REMOTE_PORT", value: remotePort)
        var trailing = ByteBuffer()
        for (key, value) in extraVars {
            try trailing.writeUwsgiVar(key: key, value: value)
        }
        self.storage = Storage(middle: middle, trailing: trailing, serverNameAsHTTPHost: serverNameAsHTTPHost, beforeRemote: beforeRemote)
    }

    private init(middle: ByteBuffer, trailing: ByteBuffer, serverNameAsHTTPHost: Bool, beforeRemote: ByteBuffer) {
        self.storage = Storage(middle: middle, trailing: trailing, serverNameAsHTTPHost: serverNameAsHTTPHost, beforeRemote: beforeRemote)
    }

    /// The same vars with another client address: a PROXY line's source, or a stud prefix's
    /// address (`addingHTTPS` then adds `HTTPS=on` before it, as uWSGI does for stud).
    public func replacingRemote(address: String, port: String, addingHTTPS: Bool = false) throws(WireError) -> HTTPConnectionVars {
        var prefix = beforeRemote
        if addingHTTPS { try prefix.writeUwsgiVar(key: "HTTPS", value: "on") }
        var middle = prefix
        try middle.writeUwsgiVar(key: "REMOTE_ADDR", value: address)
        try middle.writeUwsgiVar(key: "REMOTE_PORT", value: port)
        return HTTPConnectionVars(middle: middle, trailing: trailing, serverNameAsHTTPHost: serverNameAsHTTPHost, beforeRemote: prefix)
    }
}
