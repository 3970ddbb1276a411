import NIOCore

/// What the keep-alive rules (§5.1, `keepalive.c`) need from a node's response head.
struct HTTPResponseInfo {
    /// Bytes of the head, including the blank line.
    var headLength = 0
    /// The status line starts `HTTP/1.1`.
    var isHTTP11 = false
    /// The status code (0 if unreadable).
    var status = 0
    /// The Content-Length value, if any and valid.
    var contentLength: Int?
    /// A Transfer-Encoding header is present.
    var hasTransferEncoding = false
    /// A Connection header is present.
    var hasConnection = false
    /// `Connection: close` is present.
    var connectionClose = false
    /// A `Trailers` header is present (uWSGI then ends keep-alive).
    var hasTrailers = false

    /// Whether the response carries no body by definition (1xx, 204, 304).
    var isBodiless: Bool { status < 200 || status == 204 || status == 304 }
}

extension WireShims {
    /// Scans a node's response head; nil while the blank line has not arrived. Lenient: a line
    /// it does not understand only means "no information", since the bytes are relayed as is.
    static func scanResponseHead(_ p: UnsafeRawBufferPointer) -> HTTPResponseInfo? {
        guard let end = findHeadEnd(p, from: 0) else { return nil }
        var info = HTTPResponseInfo()
        info.headLength = end
        info.isHTTP11 = p.count >= 9 && lowerEquals(p, 0, "http/1.1 ")
        if p.count >= 12 {
            var status = 0
            for k in 9..<12 where p[k] >= 48 && p[k] <= 57 {
                status = status * 10 + Int(p[k] - 48)
            }
            info.status = status
        }
        var pos = 0
        while pos < end - 2, let lf = nextLF(p, from: pos, end: end) {
            pos = lf + 1
            var c = pos
            while c < end, p[c] != UInt8(ascii: ":"), p[c] != 13 { c += 1 }
            guard c < end, p[c] == UInt8(ascii: ":") else { continue }
            var vs = c + 1
            while vs < end, p[vs] == 32 || p[vs] == 9 { vs += 1 }
            var ve = vs
            while ve < end, p[ve] != 13 { ve += 1 }
            switch c - pos {
            case 14 where lowerEquals(p, pos, "content-length"):
                var n = 0
                var valid = ve > vs && ve - vs <= 18
                for k in vs..<ve {
                    if p[k] >= 48 && p[k] <= 57 { n = n * 10 + Int(p[k] - 48) } else { valid = false }
                }
                if valid { info.contentLength = n }
            case 17 where lowerEquals(p, pos, "transfer-encoding"):
                info.hasTransferEncoding = true
            case 10 where lowerEquals(p, pos, "connection"):
                info.hasConnection = true
                if ve - vs >= 5, lowerEquals(p, vs, "close") { info.connectionClose = true }
            case 8 where lowerEquals(p, pos, "trailers"):
                info.hasTrailers = true
            default:
                break
            }
        }
        return info
    }

    private static func nextLF(_ p: UnsafeRawBufferPointer, from: Int, end: Int) -> Int? {
        var j = from
        while j < end {
            if p[j] == 10 { return j }
            j += 1
        }
        return nil
    }
}
