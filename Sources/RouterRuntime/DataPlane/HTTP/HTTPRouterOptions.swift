import NIOCore

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
    /// `--subscription-mountpoints N`: the key is the Host plus the URI's first N segments.
    public var mountpoints = 0

    /// Options with uWSGI's defaults.
    public init() {}

    /// The effective headers timeout.
    public var effectiveHeadersTimeout: TimeAmount { headersTimeout ?? timeout }
    /// The effective connect timeout.
    public var effectiveConnectTimeout: TimeAmount { connectTimeout ?? timeout }

    /// The machine's host name, as uWSGI sends in SERVER_NAME.
    public static func hostname() -> String {
        var bytes = [CChar](repeating: 0, count: 256)
        guard gethostname(&bytes, bytes.count - 1) == 0 else { return "localhost" }
        return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
