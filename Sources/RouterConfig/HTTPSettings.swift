/// Options only the HTTP router has (`--http-*`, `--https-*`).
public struct HTTPSettings: Sendable, Equatable {
    /// `--http-keepalive [N]`.
    public enum Keepalive: Sendable, Equatable {
        /// Not given, or 0: one request per connection.
        case off
        /// Given without a value or as 1: keep-alive without an idle limit of its own.
        case on
        /// N > 1: keep-alive, and N seconds is the idle timeout between requests.
        case idleTimeout(seconds: Int)
    }

    /// `--http-manage-expect [N]`.
    public enum ManageExpect: Sendable, Equatable {
        /// The router does not answer `Expect: 100-continue` itself.
        case off
        /// Answers `100 Continue` itself.
        case on
        /// Answers `100 Continue`, or 413 when Content-Length exceeds the limit.
        case limit(bytes: Int)
    }

    /// `--http-keepalive`.
    public var keepalive: Keepalive = .off
    /// `--http-headers-timeout`; nil means the router's `timeout`.
    public var headersTimeout: Int?
    /// `--http-connect-timeout`; nil means the router's `timeout`.
    public var connectTimeout: Int?
    /// `--http-chunked-input`.
    public var chunkedInput = false
    /// `--http-auto-chunked`.
    public var autoChunked = false
    /// `--http-auto-gzip`.
    public var autoGzip = false
    /// `--http-websockets`.
    public var websockets = false
    /// `--http-nolinger`: close the node connection with a reset once its response is whole.
    public var nolinger = false
    /// `--http-manage-source`.
    public var manageSource = false
    /// `--http-manage-rtsp`.
    public var manageRTSP = false
    /// `--http-manage-expect`.
    public var manageExpect: ManageExpect = .off
    /// `--http-raw-body`.
    public var rawBody = false
    /// `--http-modifier1`; 0 keeps the node's value. Set independently of modifier2 (see README).
    public var modifier1 = 0
    /// `--http-modifier2`; 0 keeps the node's value.
    public var modifier2 = 0
    /// `--http-var K=V`, in order.
    public var vars: [HTTPVar] = []
    /// `--http-server-name-as-http-host`.
    public var serverNameAsHTTPHost = false
    /// `--http-enable-proxy-protocol` (the global `--enable-proxy-protocol` also turns it on).
    public var enableProxyProtocol = false
    /// `--http-proxy-protocol-allow CIDR`, repeatable: the peers whose PROXY line is believed.
    /// Empty means loopback (127.0.0.0/8, ::1) and unix-socket peers.
    public var proxyProtocolAllow: [AddressRange] = []
    /// `--http-stud-prefix IPV4`, repeatable.
    public var studPrefixes: [String] = []
    /// `--https-export-cert`.
    public var exportClientCertificate = false
    /// `--https-session-context`: applies to the `--https2`/`--https` options that follow it.
    public var sessionContext: String?

    /// Creates the uWSGI defaults.
    public init() {}
}

/// One `--http-var` item, added to every request's uwsgi vars.
public struct HTTPVar: Sendable, Equatable {
    /// The var name.
    public var name: String
    /// The var value (may be empty).
    public var value: String

    /// Creates a var.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
