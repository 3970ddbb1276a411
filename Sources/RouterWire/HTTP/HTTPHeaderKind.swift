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
        case 4: return matches(name, count, "HOST") ? .host : .other
        case 6: return matches(name, count, "EXPECT") ? .expect : .other
        case 7: return matches(name, count, "UPGRADE") ? .upgrade : .other
        case 8: return matches(name, count, "TRAILERS") ? .trailers : .other
        case 10: return matches(name, count, "CONNECTION") ? .connection : .other
        case 12: return matches(name, count, "CONTENT_TYPE") ? .contentType : .other
        case 14:
            if matches(name, count, "CONTENT_LENGTH") { return .contentLength }
            return matches(name, count, "UWSGI_ENCODING") ? .uwsgiEncoding : .other
        case 15: return matches(name, count, "ACCEPT_ENCODING") ? .acceptEncoding : .other
        case 16: return matches(name, count, "CONTENT_ENCODING") ? .contentEncoding : .other
        case 17:
            if matches(name, count, "TRANSFER_ENCODING") { return .transferEncoding }
            return matches(name, count, "SEC_WEBSOCKET_KEY") ? .secWebSocketKey : .other
        case 21: return matches(name, count, "SEC_WEBSOCKET_VERSION") ? .secWebSocketVersion : .other
        default: return .other
        }
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
