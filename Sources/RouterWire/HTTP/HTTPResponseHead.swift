import NIOCore

/// What the keep-alive rules of uWSGI's http router (its `plugins/http/keepalive.c`) need from a node's
/// response head.
///
/// The router relays the response bytes untouched, so scanning is lenient: a line it does not
/// understand (no colon, bare LF, folding) only means "no information", never an error.
public struct HTTPResponseHead: Sendable, Hashable {
    /// Bytes of the head, status line through the blank line; the body starts right after.
    public var headLength: Int
    /// The status line starts `HTTP/1.1 ` (the only version uWSGI keeps alive).
    public var isHTTP11: Bool
    /// The three-digit status code, or 0 when the status line has none.
    public var status: Int
    /// The Content-Length: nil when absent, not plain decimal digits, or given twice differently.
    public var contentLength: Int?
    /// A `Transfer-Encoding` header is present.
    public var hasTransferEncoding: Bool
    /// A `Connection` header is present (the router then adds no `Connection: close` of its own).
    public var hasConnection: Bool
    /// `Connection` lists `close`.
    public var connectionClose: Bool
    /// A `Trailers` header is present (uWSGI then ends keep-alive).
    public var hasTrailers: Bool
    /// A `Content-Encoding` header is present.
    public var hasContentEncoding = false
    /// `uWSGI-Encoding: gzip`: the node asks the router to gzip the body (`--http-auto-gzip`).
    public var wantsGzip = false

    /// The response carries no body by definition (1xx, 204, 304).
    public var isBodiless: Bool { self.status < 200 || self.status == 204 || self.status == 304 }

    /// Scans the head at the start of `input`'s readable bytes; nil until its blank line
    /// (CRLFCRLF) has arrived. `input` is not consumed.
    public static func scan(_ input: ByteBuffer) -> HTTPResponseHead? {
        input.withUnsafeReadableBytes { Self.scan($0) }
    }

    static func scan(_ p: UnsafeRawBufferPointer) -> HTTPResponseHead? {
        guard let end = HTTPHeadParser.headEnd(p, limit: p.count), let start = p.baseAddress else { return nil }
        var head = HTTPResponseHead(
            headLength: end, isHTTP11: false, status: 0, contentLength: nil, hasTransferEncoding: false,
            hasConnection: false, connectionClose: false, hasTrailers: false
        )
        // The version is case-sensitive (RFC 9112 §2.3).
        let version: StaticString = "HTTP/1.1 "
        head.isHTTP11 = end >= 9 && memcmpBytes(start, version.utf8Start, 9)
        head.status = Self.status(p)
        var lengthConflict = false
        var lineStart = Self.nextLine(p, from: 0, end: end)
        while lineStart < end - 2 {
            let next = Self.nextLine(p, from: lineStart, end: end)
            var lineEnd = next - 1
            if lineEnd > lineStart && p[lineEnd - 1] == .cr { lineEnd -= 1 }
            let colon = ByteSearch.firstIndex(of: UInt8(ascii: ":"), in: p, from: lineStart, end: lineEnd)
            if colon < lineEnd && colon > lineStart {
                var valueStart = colon + 1
                var valueEnd = lineEnd
                while valueStart < valueEnd && (p[valueStart] == .space || p[valueStart] == .tab) { valueStart += 1 }
                while valueEnd > valueStart && (p[valueEnd - 1] == .space || p[valueEnd - 1] == .tab) { valueEnd -= 1 }
                switch HTTPHeaderKind.classify(start + lineStart, count: colon - lineStart) {
                case .contentLength:
                    let length = try? HTTPHeadParser.contentLength(p, valueStart, valueEnd)
                    if length == nil || (head.contentLength != nil && head.contentLength != length) { lengthConflict = true }
                    head.contentLength = length
                case .transferEncoding:
                    head.hasTransferEncoding = true
                case .connection:
                    head.hasConnection = true
                    HTTPHeadParser.forEachToken(p, valueStart, valueEnd) { token in
                        if HTTPHeaderKind.equalsIgnoringCase(token, "close") { head.connectionClose = true }
                    }
                case .trailers:
                    head.hasTrailers = true
                case .contentEncoding:
                    head.hasContentEncoding = true
                case .uwsgiEncoding:
                    let value = UnsafeRawBufferPointer(rebasing: p[valueStart..<valueEnd])
                    if HTTPHeaderKind.equalsIgnoringCase(value, "gzip") { head.wantsGzip = true }
                default:
                    break
                }
            }
            lineStart = next
        }
        if lengthConflict { head.contentLength = nil }
        return head
    }

    /// The index just past the next LF at or after `from` (the head ends in one, so it exists).
    private static func nextLine(_ p: UnsafeRawBufferPointer, from: Int, end: Int) -> Int {
        ByteSearch.firstIndex(of: .lf, in: p, from: from, end: end) + 1
    }

    /// `HTTP/x.y SP DDD` followed by a space or the line end; 0 otherwise.
    private static func status(_ p: UnsafeRawBufferPointer) -> Int {
        guard p.count >= 13, p[8] == .space, p[12] == .space || p[12] == .cr else { return 0 }
        var status = 0
        for k in 9..<12 {
            guard p[k] >= UInt8(ascii: "0") && p[k] <= UInt8(ascii: "9") else { return 0 }
            status = status * 10 + Int(p[k] - UInt8(ascii: "0"))
        }
        return status
    }
}
