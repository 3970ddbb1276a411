/// Which routers of a fleetrouter process an admin edit reaches: the `router=` member of the
/// request's query string.
///
/// A process may run several routers (an HTTP, a fast and a raw router, as a uWSGI instance
/// can), so an edit names the one the operator chose (`?router=fastrouter`, the `admin_router`
/// of its stats document). `?router=*` is the explicit process-wide form, for fleet-wide
/// actions. A process with more than one router refuses an edit that names none.
public enum AdminScope: Sendable, Hashable, CustomStringConvertible {
    /// The router the stats document's `admin_router` names.
    case router(String)
    /// Every router of the process (`?router=*`).
    case everyRouter

    /// The longest router name accepted; names are short words such as `fastrouter`.
    public static let maximumNameLength = 64

    /// The query string member, percent-encoded: `router=NAME` or `router=*`.
    public var queryItem: String {
        switch self {
        case .router(let name): return "router=" + Self.percentEncoded(name)
        case .everyRouter: return "router=*"
        }
    }

    /// `NAME`, or `every router` for the process-wide form.
    public var description: String {
        switch self {
        case .router(let name): return name
        case .everyRouter: return "every router"
        }
    }

    /// Reads `router=` from a query string: nil when absent. Throws `WireError.malformedAdmin`
    /// for a repeated member, an empty or over-long name, bad percent-encoding, or a name with
    /// control characters.
    public init?(query: String?) throws(WireError) {
        guard let query else { return nil }
        var found: Substring?
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts[0] == "router" else { continue }
            guard found == nil else { throw .malformedAdmin(reason: "router= is given more than once; name one router") }
            found = parts.count == 2 ? parts[1] : ""
        }
        guard let raw = found else { return nil }
        if raw == "*" {
            self = .everyRouter
            return
        }
        guard let name = Self.percentDecoded(raw) else {
            throw .malformedAdmin(reason: "router=\(raw.prefix(Self.maximumNameLength)) is not valid percent-encoded UTF-8")
        }
        guard !name.isEmpty else {
            throw .malformedAdmin(reason: "router= is empty; expected a router name or *")
        }
        guard name.utf8.count <= Self.maximumNameLength else {
            throw .malformedAdmin(reason: "router= is \(name.utf8.count) bytes long; a router name has at most \(Self.maximumNameLength)")
        }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .malformedAdmin(reason: "router= holds a control character")
        }
        self = .router(name)
    }

    private static let hexDigits = Array("0123456789ABCDEF".unicodeScalars)

    /// RFC 3986 unreserved characters stay; every other byte becomes `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hexDigits[Int(byte >> 4)])
                out.unicodeScalars.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// Decodes `%XX` escapes (and `+` as a space); nil for a bad escape or invalid UTF-8. Unlike
    /// PATH_INFO (`PathInfoDecoder`), a bad escape is refused rather than copied.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(PathInfoDecoder.hexValue), let low = iterator.next().flatMap(PathInfoDecoder.hexValue) else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension AdminRequest {
    /// The request target: the path, with `?router=…` when `scope` is given.
    public func target(scope: AdminScope?) -> String {
        guard let scope else { return path }
        return path + "?" + scope.queryItem
    }
}
