import NIOCore

/// What the HTTP router needs to know about a request head besides its uwsgi packet.
struct HTTPRequestInfo {
    /// Bytes of the head, including the blank line.
    var headLength = 0
    /// Where the Host value sits in the head (nil: no Host header).
    var hostRange: Range<Int>?
    /// The Content-Length value, if any.
    var contentLength: Int?
    /// The request has a Transfer-Encoding header.
    var hasTransferEncoding = false
    /// The last transfer coding is `chunked`.
    var isChunked = false
    /// The protocol is HTTP/1.1 (or a later 1.x).
    var isHTTP11 = false
    /// `Connection: close` was sent.
    var connectionClose = false
    /// `Connection: upgrade` was sent.
    var connectionUpgrade = false
    /// `Upgrade: websocket` was sent.
    var upgradeWebSocket = false
    /// A Sec-WebSocket-Version header was sent.
    var hasWebSocketVersion = false
    /// A Sec-WebSocket-Key header was sent.
    var hasWebSocketKey = false
    /// The method is HEAD (its response has no body, whatever its headers say).
    var isHEAD = false

    /// uWSGI's WebSocket test: a key plus two of upgrade, connection-upgrade and version.
    var isWebSocket: Bool {
        hasWebSocketKey
            && (upgradeWebSocket ? 1 : 0) + (connectionUpgrade ? 1 : 0) + (hasWebSocketVersion ? 1 : 0) >= 2
    }
}

private let cr: UInt8 = 13, lf: UInt8 = 10, sp: UInt8 = 32, ht: UInt8 = 9

extension WireShims {
    /// The index just past the head's blank line (`\r\n\r\n`), scanning from `from` (the caller
    /// passes where the previous scan stopped, minus 3), or nil while the head is incomplete.
    static func findHeadEnd(_ p: UnsafeRawBufferPointer, from: Int) -> Int? {
        var i = max(from, 3)
        let n = p.count
        while i < n {
            if p[i] == lf, p[i - 1] == cr, p[i - 2] == lf, p[i - 3] == cr { return i + 1 }
            i += 1
        }
        return nil
    }

    /// Parses the request head `p` (up to and including its blank line) and appends the uwsgi
    /// vars uWSGI's http router sends (§5.1 step 5) to `packet`, with `fixedVars` (SCRIPT_NAME,
    /// SERVER_NAME, SERVER_PORT, UWSGI_ROUTER, REMOTE_ADDR, REMOTE_PORT, pre-encoded once per
    /// connection) after SERVER_PROTOCOL.
    static func writeRequestVars(
        head p: UnsafeRawBufferPointer,
        fixedVars: ByteBuffer,
        into packet: inout ByteBuffer
    ) throws(WireShimError) -> HTTPRequestInfo {
        var info = HTTPRequestInfo()
        info.headLength = p.count
        var failure: WireShimError?
        // Each var costs at most 4 bytes more than its source line (plus "HTTP_"), and the
        // request line yields at most three copies of the target.
        let bound = 3 * p.count + 256 + fixedVars.readableBytes
        packet.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { out in
            guard let base = out.baseAddress else { return 0 }
            var w = RawWriter(base)
            do throws(WireShimError) {
                try fixedVars.withUnsafeReadableBytes { fixed throws(WireShimError) in
                    try parseRequest(p, fixed: fixed, into: &w, info: &info)
                }
            } catch {
                failure = error
                return 0
            }
            return w.count
        }
        if let failure { throw failure }
        return info
    }

    private static func lineEnd(_ p: UnsafeRawBufferPointer, from: Int) throws(WireShimError) -> Int {
        var j = from
        while j < p.count {
            let b = p[j]
            if b == cr {
                guard j + 1 < p.count, p[j + 1] == lf else { throw .malformed("bare CR in head") }
                return j
            }
            if b == lf { throw .malformed("bare LF in head") }
            j += 1
        }
        throw .malformed("unterminated line")
    }

    private static func parseRequest(
        _ p: UnsafeRawBufferPointer,
        fixed: UnsafeRawBufferPointer,
        into w: inout RawWriter,
        info: inout HTTPRequestInfo
    ) throws(WireShimError) {
        let le = try lineEnd(p, from: 0)
        var sp1 = 0
        while sp1 < le, p[sp1] != sp {
            guard p[sp1] > sp, p[sp1] < 127 else { throw .malformed("method has a control byte") }
            sp1 += 1
        }
        guard sp1 > 0, sp1 < le else { throw .malformed("request line: expected METHOD SP target SP protocol") }
        let uriStart = sp1 + 1
        var sp2 = uriStart
        var query = -1
        while sp2 < le, p[sp2] != sp {
            guard p[sp2] > sp, p[sp2] != 127 else { throw .malformed("request target has a control byte") }
            if query < 0, p[sp2] == UInt8(ascii: "?") { query = sp2 }
            sp2 += 1
        }
        guard sp2 > uriStart, sp2 < le else { throw .malformed("request line: expected METHOD SP target SP protocol") }
        let ps = sp2 + 1
        guard le - ps == 8, p[ps] == UInt8(ascii: "H"), p[ps + 1] == UInt8(ascii: "T"),
            p[ps + 2] == UInt8(ascii: "T"), p[ps + 3] == UInt8(ascii: "P"), p[ps + 4] == UInt8(ascii: "/"),
            p[ps + 5] == UInt8(ascii: "1"), p[ps + 6] == UInt8(ascii: "."), p[ps + 7] >= UInt8(ascii: "0"),
            p[ps + 7] <= UInt8(ascii: "9")
        else { throw .malformed("protocol: expected HTTP/1.x") }
        info.isHTTP11 = p[ps + 7] >= UInt8(ascii: "1")
        info.isHEAD = sp1 == 4 && p[0] == UInt8(ascii: "H") && p[1] == UInt8(ascii: "E")
            && p[2] == UInt8(ascii: "A") && p[3] == UInt8(ascii: "D")

        w.item("REQUEST_METHOD", slice(p, 0, sp1))
        let uri = slice(p, uriStart, sp2)
        if query >= 0 {
            writePathInfo(&w, slice(p, uriStart, query))
            w.item("REQUEST_URI", uri)
            w.item("QUERY_STRING", slice(p, query + 1, sp2))
        } else {
            w.item("REQUEST_URI", uri)
            writePathInfo(&w, uri)
            w.item("QUERY_STRING", UnsafeRawBufferPointer(start: nil, count: 0))
        }
        w.item("SERVER_PROTOCOL", slice(p, ps, le))
        w.bytes(fixed)

        var pos = le + 2
        while true {
            let e = try lineEnd(p, from: pos)
            if e == pos { break }
            if p[pos] == sp || p[pos] == ht { throw .malformed("obsolete header line folding") }
            var c = pos
            while c < e, p[c] != UInt8(ascii: ":") {
                guard p[c] > sp, p[c] != 127 else { throw .malformed("header name has a space or control byte") }
                c += 1
            }
            guard c < e, c > pos else { throw .malformed("header line without a name and colon") }
            var vs = c + 1
            while vs < e, p[vs] == sp || p[vs] == ht { vs += 1 }
            var ve = e
            while ve > vs, p[ve - 1] == sp || p[ve - 1] == ht { ve -= 1 }
            for j in vs..<ve where p[j] < sp && p[j] != ht || p[j] == 127 {
                throw .malformed("header value has a control byte")
            }
            try writeHeader(&w, p, name: pos, colon: c, value: vs, valueEnd: ve, info: &info)
            pos = e + 2
        }
        if info.hasTransferEncoding, info.contentLength != nil {
            throw .malformed("both Content-Length and Transfer-Encoding")
        }
    }

    private static func writeHeader(
        _ w: inout RawWriter,
        _ p: UnsafeRawBufferPointer,
        name: Int,
        colon: Int,
        value vs: Int,
        valueEnd ve: Int,
        info: inout HTTPRequestInfo
    ) throws(WireShimError) {
        let nameLength = colon - name
        let value = slice(p, vs, ve)
        var unprefixed = false
        switch nameLength {
        case 4 where lowerEquals(p, name, "host"):
            guard ve - vs <= 255 else { throw .malformed("Host longer than 255 bytes") }
            info.hostRange = vs..<ve
        case 14 where lowerEquals(p, name, "content-length"):
            unprefixed = true
            let length = try parseLength(value)
            if let previous = info.contentLength, previous != length {
                throw .malformed("conflicting Content-Length headers")
            }
            info.contentLength = length
        case 12 where lowerEquals(p, name, "content-type"):
            unprefixed = true
        case 17 where lowerEquals(p, name, "transfer-encoding"):
            info.hasTransferEncoding = true
            info.isChunked = value.count >= 7 && lowerEquals(p, ve - 7, "chunked")
        case 10 where lowerEquals(p, name, "connection"):
            scanConnection(p, vs, ve, &info)
        case 7 where lowerEquals(p, name, "upgrade"):
            info.upgradeWebSocket = value.count == 9 && lowerEquals(p, vs, "websocket")
        case 21 where lowerEquals(p, name, "sec-websocket-version"):
            info.hasWebSocketVersion = true
        case 17 where lowerEquals(p, name, "sec-websocket-key"):
            info.hasWebSocketKey = true
        default:
            break
        }
        if unprefixed {
            w.u16(nameLength)
        } else {
            w.u16(nameLength + 5)
            w.bytes("HTTP_")
        }
        for j in name..<colon {
            let b = p[j]
            w.byte(b == UInt8(ascii: "-") ? UInt8(ascii: "_") : (b >= 97 && b <= 122 ? b - 32 : b))
        }
        w.u16(value.count)
        w.bytes(value)
    }

    private static func scanConnection(_ p: UnsafeRawBufferPointer, _ vs: Int, _ ve: Int, _ info: inout HTTPRequestInfo) {
        var start = vs
        while start < ve {
            var end = start
            while end < ve, p[end] != UInt8(ascii: ",") { end += 1 }
            var a = start, b = end
            while a < b, p[a] == sp || p[a] == ht { a += 1 }
            while b > a, p[b - 1] == sp || p[b - 1] == ht { b -= 1 }
            if b - a == 5, lowerEquals(p, a, "close") { info.connectionClose = true }
            if b - a == 7, lowerEquals(p, a, "upgrade") { info.connectionUpgrade = true }
            start = end + 1
        }
    }

    private static func parseLength(_ value: UnsafeRawBufferPointer) throws(WireShimError) -> Int {
        guard !value.isEmpty, value.count <= 18 else { throw .malformed("Content-Length: expected 1 to 18 digits") }
        var n = 0
        for b in value {
            guard b >= 48, b <= 57 else { throw .malformed("Content-Length: expected digits only") }
            n = n * 10 + Int(b - 48)
        }
        return n
    }

    /// Writes PATH_INFO, percent-decoded (an invalid escape is kept as is, like uWSGI).
    private static func writePathInfo(_ w: inout RawWriter, _ path: UnsafeRawBufferPointer) {
        w.bytes("\u{09}\u{00}PATH_INFO")
        let lengthAt = w.count
        w.u16(0)
        var j = 0
        var written = 0
        while j < path.count {
            if path[j] == UInt8(ascii: "%"), j + 2 < path.count, let hi = hex(path[j + 1]), let lo = hex(path[j + 2]) {
                w.byte(hi << 4 | lo)
                j += 3
            } else {
                w.byte(path[j])
                j += 1
            }
            written += 1
        }
        w.patchU16(at: lengthAt, written)
    }

    @inline(__always) private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case 48...57: b - 48
        case 65...70: b - 55
        case 97...102: b - 87
        default: nil
        }
    }

    /// Whether the bytes at `at` equal the lowercase ASCII `word`, ignoring letter case.
    @inline(__always) static func lowerEquals(_ p: UnsafeRawBufferPointer, _ at: Int, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard at + count <= p.count else { return false }
        let w = word.utf8Start
        for k in 0..<count where p[at + k] | 0x20 != w[k] {
            return false
        }
        return true
    }

    @inline(__always) static func slice(_ p: UnsafeRawBufferPointer, _ from: Int, _ to: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: p[from..<to])
    }
}
