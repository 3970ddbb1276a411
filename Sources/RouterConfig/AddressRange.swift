#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 network in CIDR form (`10.0.0.0/8`, `fd00::/8`, or one address), as
/// `--subscription-allow` and `--subscription-allow-node` take it.
public struct AddressRange: Sendable, Hashable, CustomStringConvertible {
    /// The network's address bytes (4 or 16).
    public let network: [UInt8]
    /// The prefix length in bits.
    public let prefixLength: Int
    /// As written.
    public let description: String

    /// Parses `a.b.c.d[/n]` or an IPv6 address `[/n]` (brackets allowed).
    public init(parsing text: String) throws(RuntimeError) {
        let expected = "an IPv4 or IPv6 address or network in CIDR form, e.g. 10.0.0.0/8 or fd00::/8"
        var addressPart = Substring(text)
        var length: Int?
        if let slash = text.lastIndex(of: "/") {
            addressPart = text[..<slash]
            let digits = text[text.index(after: slash)...]
            guard (1...3).contains(digits.count), digits.allSatisfy(\.isASCII), let value = Int(digits) else {
                throw .invalidAddress(text, expected: expected)
            }
            length = value
        }
        if addressPart.hasPrefix("[") && addressPart.hasSuffix("]") { addressPart = addressPart.dropFirst().dropLast() }
        guard let bytes = Self.bytes(ofNumeric: String(addressPart)) else { throw .invalidAddress(text, expected: expected) }
        let bits = bytes.count * 8
        let prefix = length ?? bits
        guard prefix <= bits else { throw .invalidAddress(text, expected: "a prefix length of at most \(bits) for \(addressPart)") }
        self.network = Self.masked(bytes, prefix: prefix)
        self.prefixLength = prefix
        self.description = text
    }

    /// True when `bytes` (4 or 16 bytes) is inside the network. An IPv4-mapped IPv6 address
    /// (`::ffff:a.b.c.d`) also matches IPv4 ranges.
    public func contains(_ bytes: [UInt8]) -> Bool {
        var candidate = bytes
        if candidate.count == 16 && network.count == 4 && candidate[0..<10].allSatisfy({ $0 == 0 })
            && candidate[10] == 0xff && candidate[11] == 0xff {
            candidate = Array(candidate[12...])
        }
        guard candidate.count == network.count else { return false }
        return Self.masked(candidate, prefix: prefixLength) == network
    }

    /// The address bytes of a numeric IPv4 or IPv6 literal; nil for anything else (host names).
    public static func bytes(ofNumeric text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    private static func masked(_ bytes: [UInt8], prefix: Int) -> [UInt8] {
        var out = bytes
        for index in out.indices {
            let bitsHere = min(max(prefix - index * 8, 0), 8)
            let mask: UInt8 = bitsHere == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsHere))
            out[index] &= mask
        }
        return out
    }
}

/// One `--subscription-allow-node` entry: a network for TCP node addresses, or a prefix for
/// unix paths (`/run/uwsgi/`) and abstract names (`@app-`).
public enum NodeAddressRule: Sendable, Hashable, CustomStringConvertible {
    /// TCP node addresses whose host is inside the network.
    case network(AddressRange)
    /// Unix path node addresses under this prefix (no `..` component allowed in the address).
    case pathPrefix(String)
    /// Abstract node addresses (`@name`) starting with this prefix (the `@` included).
    case abstractPrefix(String)

    /// Parses `CIDR`, `/path/prefix` or `@prefix`.
    public init(parsing text: String) throws(RuntimeError) {
        if text.hasPrefix("/") {
            self = .pathPrefix(text)
        } else if text.hasPrefix("@") {
            self = .abstractPrefix(text)
        } else {
            do {
                self = .network(try AddressRange(parsing: text))
            } catch {
                throw .invalidAddress(text, expected: "a network in CIDR form (10.0.0.0/8), a unix path prefix (/run/uwsgi/) or an abstract prefix (@app-)")
            }
        }
    }

    /// As written.
    public var description: String {
        switch self {
        case .network(let range): range.description
        case .pathPrefix(let prefix), .abstractPrefix(let prefix): prefix
        }
    }

    /// Checks an announced node address against `rules`: nil when allowed, else why not.
    /// Host names are refused, since what they resolve to cannot be checked when announced.
    public static func refusal(of address: String, rules: [NodeAddressRule]) -> String? {
        if address.hasPrefix("@") {
            if rules.contains(where: { if case .abstractPrefix(let p) = $0 { address.hasPrefix(p) } else { false } }) { return nil }
            return "abstract address \(address) matches no --subscription-allow-node prefix"
        }
        if address.hasPrefix("/") || !address.contains(":") {
            let components = address.split(separator: "/", omittingEmptySubsequences: false)
            if components.contains("..") { return "unix path \(address) contains a .. component" }
            if rules.contains(where: { if case .pathPrefix(let p) = $0 { address.hasPrefix(p) } else { false } }) { return nil }
            return "unix path \(address) matches no --subscription-allow-node prefix"
        }
        guard let colon = address.lastIndex(of: ":") else { return "address \(address) has no port" }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        // `:port` means the router's own host, as the connector reads it.
        if host.isEmpty { host = "127.0.0.1" }
        guard let bytes = AddressRange.bytes(ofNumeric: host) else {
            return "node host \(host) is a name; with --subscription-allow-node only numeric addresses are accepted"
        }
        if rules.contains(where: { if case .network(let range) = $0 { range.contains(bytes) } else { false } }) { return nil }
        return "node address \(address) is outside every --subscription-allow-node network"
    }
}
