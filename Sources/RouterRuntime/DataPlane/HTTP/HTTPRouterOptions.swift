import NIOCore
import RouterConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The HTTP router's data-plane settings, named after uWSGI's `--http-*` options.
public struct HTTPRouterOptions: Sendable {
    /// `--http-keepalive`: keep HTTP/1.1 client connections between requests.
    public var keepalive = false
    /// `--http-auto-chunked`: chunk-encode length-less responses instead of ending keep-alive.
    public var autoChunked = false
    /// `--http-websockets`: WebSocket upgrades become raw two-way relays.
    public var websockets = false
    /// `--http-chunked-input`: accepted for compatibility. Chunked request bodies are always
    /// relayed raw to the node (as uWSGI does with this flag); uWSGI without it silently drops
    /// the body, which serves nobody.
    public var chunkedInput = false
    /// `--http-timeout`: inactivity timeout of a session (default 60 s).
    public var timeout = TimeAmount.seconds(60)
    /// `--http-headers-timeout`: the whole request head must arrive within this (default: the
    /// timeout). Unlike uWSGI, it is not reset by every read, so a trickling client cannot
    /// hold a connection forever.
    public var headersTimeout: TimeAmount?
    /// `--http-connect-timeout` (default: the timeout).
    public var connectTimeout: TimeAmount?
    /// `--http-nolinger`: on the lean transport, close the node connection with a reset
    /// (`SO_LINGER` 0) once its whole response has arrived, as HAProxy's `option nolinger`:
    /// the router keeps no TIME_WAIT and the kernel does less per request, but the node sees a
    /// reset instead of a clean close.
    public var nolinger = false
    /// `--http-modifier1`: overrides the node's modifier1 when non-zero.
    public var modifier1: UInt8 = 0
    /// `--http-modifier2`: overrides the node's modifier2 when non-zero.
    public var modifier2: UInt8 = 0
    /// SERVER_NAME sent to nodes and the key of requests without Host (uWSGI: the hostname).
    public var serverName = HTTPRouterOptions.hostname()
    /// The largest request head accepted (uWSGI's 64 KiB).
    public var maxHeadSize = 65536
    /// `--http-raw-body`: every request is relayed raw (a blind two-way tunnel after the head).
    public var rawBody = false
    /// `--http-manage-source`: the `SOURCE` method (Icecast) is relayed raw.
    public var manageSource = false
    /// `--http-manage-rtsp`: `RTSP/1.0` requests are relayed raw, keyed by the `rtsp://` host.
    public var manageRTSP = false
    /// `--http-manage-expect [N]`: `Expect: 100-continue` is answered here; N > 1 answers 413
    /// (and closes) when Content-Length exceeds N.
    var manageExpect = HTTPConnectionStateMachine.ExpectHandling.off
    /// `--http-auto-gzip`: gzip responses marked `uWSGI-Encoding: gzip` that have no length.
    public var autoGzip = false
    /// `--http-var K=V`: vars added after the headers of every request.
    public var vars: [(key: String, value: String)] = []
    /// `--http-server-name-as-http-host`: SERVER_NAME is the Host value.
    public var serverNameAsHTTPHost = false
    /// `--http-enable-proxy-protocol` / `--enable-proxy-protocol`: a PROXY v1 line may precede
    /// the first request, from the peers in `proxyProtocolAllow` only.
    public var proxyProtocol = false
    /// `--http-proxy-protocol-allow`: peers whose PROXY line is believed. Empty means loopback
    /// (127.0.0.0/8, ::1) and unix-socket peers only; uWSGI believes every peer.
    public var proxyProtocolAllow: [AddressRange] = []
    /// `--http-stud-prefix`: peers whose connections start with uWSGI's 5-byte stud prefix.
    public var studPrefixes: [[UInt8]] = []
    /// `--subscription-mountpoints N`: the key is the Host plus the URI's first N segments.
    public var mountpoints = 0
    /// `--http-post-buffering N`: Content-Length bodies are read whole before the node is
    /// connected, up to N bytes in memory and the rest spooled to a temp file; 0 is off.
    public var postBuffering = 0
    /// `--http-post-buffering-dir`: where spooled bodies go (nil: `$TMPDIR`, else `/tmp`).
    public var postBufferingDirectory: String?

    /// Options with uWSGI's defaults.
    public init() {}

    /// The effective headers timeout.
    public var effectiveHeadersTimeout: TimeAmount { headersTimeout ?? timeout }
    /// The effective connect timeout.
    public var effectiveConnectTimeout: TimeAmount { connectTimeout ?? timeout }

    /// The trusted PROXY senders when none are configured.
    static let loopback = ["127.0.0.0/8", "::1"].compactMap { try? AddressRange(parsing: $0) }

    /// What connections from `peer` start with.
    func preamble(for peer: SocketAddress?) -> HTTPConnectionStateMachine.Preamble {
        guard proxyProtocol || !studPrefixes.isEmpty else { return .none }
        guard let peer, let bytes = AddressRange.bytes(of: peer) else {
            // A unix-socket peer is local: as trusted as loopback.
            return proxyProtocol && proxyProtocolAllow.isEmpty ? .proxy : .none
        }
        if proxyProtocol {
            let allow = proxyProtocolAllow.isEmpty ? Self.loopback : proxyProtocolAllow
            if allow.contains(where: { $0.contains(bytes) }) { return .proxy }
        }
        if !studPrefixes.isEmpty, studPrefixes.contains(where: { $0 == bytes || (bytes.count == 16 && Array(bytes.suffix(4)) == $0) }) {
            return .stud(remotePort: peer.port.map(String.init) ?? "")
        }
        return .none
    }

    /// The machine's host name, as uWSGI sends in SERVER_NAME.
    public static func hostname() -> String {
        var bytes = [CChar](repeating: 0, count: 256)
        guard gethostname(&bytes, bytes.count - 1) == 0 else { return "localhost" }
        return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
