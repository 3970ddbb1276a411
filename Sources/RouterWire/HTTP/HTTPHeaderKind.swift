/// Header names the router looks at, recognised the way uWSGI does: upper-cased, `-` read as `_`.
enum HTTPHeaderKind: UInt8, Sendable {
    case other
    case host
    case contentLength
    case contentType
    case transferEncoding
    case connection
    case upgrade
    case secWebSocketVersion
    case secWebSocketKey
    case expect
    /// `Trailers`: only read in response heads (uWSGI then ends keep-alive).
    case trailers
    /// `Accept-Encoding`: gzip wanted (`--http-auto-gzip`).
    case acceptEncoding
    /// `Content-Encoding`: only read in response heads.
    case contentEncoding
    /// `uWSGI-Encoding`: a node asks for auto-gzip; only read in response heads.
    case uwsgiEncoding

    /// `CONTENT_LENGTH` and `CONTENT_TYPE` travel without the `HTTP_` prefix.
    var hasHTTPPrefix: Bool { self != .contentLength && self != .contentType }

    /// Classifies the header name at `name` (`count` bytes).
    static func classify(_ name: UnsafeRawPointer, count: Int) -> HTTPHeaderKind {
        switch count {
        case 4: return isName(name, count, "HOST") ? .host : .other
        case 6: return isName(name, count, "EXPECT") ? .expect : .other
        case 7: return isName(name, count, "UPGRADE") ? .upgrade : .other
        case 8: return isName(name, count, "TRAILERS") ? .trailers : .other
        case 10: return isName(name, count, "CONNECTION") ? .connection : .other
        case 12: return isName(name, count, "CONTENT_TYPE") ? .contentType : .other
        case 14:
            if isName(name, count, "CONTENT_LENGTH") { return .contentLength }
            return isName(name, count, "UWSGI_ENCODING") ? .uwsgiEncoding : .other
        case 15: return isName(name, count, "ACCEPT_ENCODING") ? .acceptEncoding : .other
        case 16: return isName(name, count, "CONTENT_ENCODING") ? .contentEncoding : .other
        case 17:
            if isName(name, count, "TRANSFER_ENCODING") { return .transferEncoding }
            return isName(name, count, "SEC_WEBSOCKET_KEY") ? .secWebSocketKey : .other
        case 21: return isName(name, count, "SEC_WEBSOCKET_VERSION") ? .secWebSocketVersion : .other
        default: return .other
        }
    }

    /// `matches` for a CGI name of upper-case letters and `_` at least 4 bytes long, eight bytes
    /// at a time: the name's words, folded (`foldedName`), against the CGI name's, lower-cased.
    /// Words overlap where `count` is not a multiple of 8 (under 8: two 4-byte halves).
    @inline(__always)
    static func isName(_ name: UnsafeRawPointer, _ count: Int, _ cgiName: StaticString) -> Bool {
        guard cgiName.utf8CodeUnitCount == count, count >= 4 else { return false }
        let expected = UnsafeRawPointer(cgiName.utf8Start)
        let lower: UInt64 = 0x2020_2020_2020_2020
        if count < 8 {
            let word = { (p: UnsafeRawPointer) -> UInt64 in
                UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
                    | UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))) << 32
            }
            return foldedName(word(name)) == word(expected) | lower
        }
        var offset = 0
        while offset < count {
            let at = Swift.min(offset, count - 8)
            let got = UInt64(littleEndian: name.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            let want = UInt64(littleEndian: expected.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            if foldedName(got) != want | lower { return false }
            offset += 8
        }
        return true
    }

    /// Eight name bytes as `normalize` reads them, lower-cased: `-` becomes `_`, then every byte
    /// gets bit 0x20, which takes an ASCII letter of either case to its lower case and `_` to
    /// 0x7F, and takes no other byte to a lower-case letter. DEL (0x7F) would pass for `_`, so a
    /// word holding one folds to 0, which no CGI name's word (every byte at least 0x20) equals.
    @inline(__always)
    static func foldedName(_ word: UInt64) -> UInt64 {
        guard ByteSearch.zeroBytes(word ^ 0x7F7F_7F7F_7F7F_7F7F) == 0 else { return 0 }
        let dashes = ByteSearch.zeroBytes(word ^ 0x2D2D_2D2D_2D2D_2D2D)
        // 0x2D ^ 0x72 == 0x5F: each dash becomes an underscore.
        return (word ^ ((dashes &>> 7) &* 0x72)) | 0x2020_2020_2020_2020
    }

    /// Compares a raw header name with an upper-case CGI name after uWSGI's normalisation.
    @inline(__always)
    static func matches(_ name: UnsafeRawPointer, _ count: Int, _ cgiName: StaticString) -> Bool {
        guard cgiName.utf8CodeUnitCount == count else { return false }
        let expected = cgiName.utf8Start
        for i in 0..<count where normalize(name.load(fromByteOffset: i, as: UInt8.self)) != expected[i] {
            return false
        }
        return true
    }

    /// uWSGI's header-name mapping: ASCII upper case, `-` becomes `_`.
    @inline(__always)
    static func normalize(_ byte: UInt8) -> UInt8 {
        if byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") { return byte &- 32 }
        if byte == UInt8(ascii: "-") { return UInt8(ascii: "_") }
        return byte
    }

    /// RFC 9110 `tchar`: the bytes allowed in a method or a header name.
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
