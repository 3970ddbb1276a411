import NIOCore

/// What the router needs to know about a request whose head was turned into a uwsgi packet.
///
/// Ranges are absolute indices into the input buffer that was parsed (valid while its bytes are
/// unchanged); the accessors below read them back without copying.
public struct HTTPRequestHead: Sendable, Hashable {
    /// The protocol named on the request line.
    public enum Version: Sendable, Hashable {
        /// `HTTP/1.0`.
        case http10
        /// `HTTP/1.1` (the only version uWSGI keeps alive).
        case http11
        /// `RTSP/1.0`, accepted only with `--http-manage-rtsp`.
        case rtsp
        /// Any other `HTTP/x.y` (`HTTP/2.0` text, …), forwarded as is.
        case other
    }

    /// Bytes of the head, request line through the blank line; the body starts right after.
    public var headLength: Int
    /// Index in the output buffer where the uwsgi packet starts (for `UwsgiPacketEncoder.setModifiers`).
    public var packetStart: Int
    /// Bytes written to the output buffer (4-byte header + var block).
    public var packetLength: Int
    /// The method on the request line.
    public var method: Range<Int>
    /// The raw request URI on the request line.
    public var uri: Range<Int>
    /// The protocol version.
    public var version: Version
    /// The `Host` value verbatim (the routing key, ≤ 255 bytes); nil when the request has none.
    public var host: Range<Int>?
    /// The validated `Content-Length`; nil when absent.
    public var contentLength: Int?
    /// A `Transfer-Encoding` header is present (uWSGI then never keeps the connection alive).
    public var hasTransferEncoding: Bool
    /// `Transfer-Encoding` ends in `chunked`.
    public var isChunked: Bool
    /// `Connection` lists `close`.
    public var connectionClose: Bool
    /// `Connection` lists `upgrade`.
    public var connectionUpgrade: Bool
    /// uWSGI's WebSocket rule: two of {`Upgrade: websocket`, `Connection: upgrade`,
    /// `Sec-WebSocket-Version`} plus a non-empty `Sec-WebSocket-Key`.
    public var isWebSocketUpgrade: Bool
    /// `Expect: 100-continue` was sent.
    public var expectsContinue: Bool
    /// `Accept-Encoding` mentions `gzip` (uWSGI's `--http-auto-gzip` condition).
    public var acceptsGzip = false

    /// uWSGI's keep-alive condition on the request side: HTTP/1.1, no `Connection: close` or
    /// `upgrade`, no `Transfer-Encoding`, and not a WebSocket upgrade (which becomes a raw tunnel).
    public var keepAliveAllowed: Bool {
        self.version == .http11 && !self.connectionClose && !self.connectionUpgrade && !self.hasTransferEncoding
            && !self.isWebSocketUpgrade
    }

    /// The routing key bytes (`Host` verbatim) read from `input`.
    public func host(in input: ByteBuffer) -> ByteBufferView? {
        self.host.flatMap { input.viewBytes(at: $0.lowerBound, length: $0.count) }
    }

    /// The method bytes read from `input`.
    public func method(in input: ByteBuffer) -> ByteBufferView? {
        input.viewBytes(at: self.method.lowerBound, length: self.method.count)
    }

    /// The raw URI bytes read from `input`.
    public func uri(in input: ByteBuffer) -> ByteBufferView? {
        input.viewBytes(at: self.uri.lowerBound, length: self.uri.count)
    }

    /// The host of an `rtsp://host[:port]/…` URI (`--http-manage-rtsp`'s key): absolute indices
    /// into `input`, or nil when the URI is not of that form.
    public func rtspHost(in input: ByteBuffer) -> Range<Int>? {
        let scheme: StaticString = "rtsp://"
        guard let view = self.uri(in: input), view.count > scheme.utf8CodeUnitCount,
              view.prefix(scheme.utf8CodeUnitCount).elementsEqual(UnsafeBufferPointer(start: scheme.utf8Start, count: scheme.utf8CodeUnitCount))
        else { return nil }
        let hostStart = self.uri.lowerBound + scheme.utf8CodeUnitCount
        let rest = view.dropFirst(scheme.utf8CodeUnitCount)
        let hostEnd = rest.firstIndex(of: UInt8(ascii: "/")).map { self.uri.lowerBound + ($0 - view.startIndex) } ?? self.uri.upperBound
        let length = hostEnd - hostStart
        guard length > 0, length <= HTTPHeadParser.maximumHostLength else { return nil }
        return hostStart..<hostEnd
    }

    /// The routing key as text; allocates, so keep it off hot paths.
    public func hostString(in input: ByteBuffer) -> String? {
        self.host(in: input).map { String(decoding: $0, as: UTF8.self) }
    }
}
