import RouterWire

/// An IPv4 address and mask of a tuntap rule (`a.b.c.d[/n]`, host byte order); `/n` means `/n`.
public struct TuntapAddressMatch: Sendable, Hashable, CustomStringConvertible {
    /// The address, already masked.
    public var address: UInt32
    /// The mask (`/32` when none is written).
    public var mask: UInt32

    /// Matches every address.
    public static let any = TuntapAddressMatch(address: 0, mask: 0)

    /// Creates a match; `address` is masked.
    public init(address: UInt32, mask: UInt32) {
        self.address = address & mask
        self.mask = mask
    }

    /// Parses `a.b.c.d[/n]` with `n` in 0...32.
    public init(parsing text: String) throws(ValueError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.ipv4(String(parts[0])) else {
            throw ValueError(expected: "an IPv4 address with an optional /mask (e.g. 192.168.0.0/24), not '\(text)'")
        }
        var prefix = 32
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = Int(parts[1]), value <= 32 else {
                throw ValueError(expected: "a mask between /0 and /32 in '\(text)'")
            }
            prefix = value
        }
        self.init(address: address, mask: Self.mask(prefix: prefix))
    }

    /// uWSGI's semantics: an address whose masked value is 0 (`0.0.0.0`) matches everything.
    public func matches(_ value: UInt32) -> Bool {
        address == 0 || value & mask == address
    }

    /// The mask of a prefix length (`/0` is 0, `/32` all ones).
    public static func mask(prefix: Int) -> UInt32 {
        prefix <= 0 ? 0 : UInt32.max << UInt32(32 - min(prefix, 32))
    }

    /// The prefix length of the mask (its leading ones).
    public var prefixLength: Int { (~mask).leadingZeroBitCount }

    /// `a.b.c.d/n`.
    public var description: String { "\(Self.dotted(address))/\(prefixLength)" }

    /// A dotted quad in host byte order, or nil.
    public static func ipv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard (1...3).contains(octet.count), octet.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    /// `a.b.c.d` of a host-order address.
    public static func dotted(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 0xff).\(address >> 8 & 0xff).\(address & 0xff)"
    }

    /// Parses `a.b.c.d:port` (a UDP target), host byte order.
    static func target(_ text: String) throws(ValueError) -> (address: UInt32, port: UInt16) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = ipv4(String(parts[0])),
              parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let port = UInt16(parts[1]), port > 0 else {
            throw ValueError(expected: "a UDP target a.b.c.d:port, not '\(text)'")
        }
        return (address, port)
    }
}

/// One `--tuntap-router-firewall-in` / `-out` rule: `allow|deny [SRC[/m] DST[/m]]`.
///
/// uWSGI treats any word other than `deny` as allow, so a typo fails open; here a word other
/// than `allow` or `deny` is a configuration error.
public struct TuntapFirewallRule: Sendable, Hashable, CustomStringConvertible {
    /// Whether a matching packet passes.
    public var allows: Bool
    /// The source match.
    public var source: TuntapAddressMatch
    /// The destination match.
    public var destination: TuntapAddressMatch

    /// Creates a rule.
    public init(allows: Bool, source: TuntapAddressMatch = .any, destination: TuntapAddressMatch = .any) {
        self.allows = allows
        self.source = source
        self.destination = destination
    }

    /// Parses `ACTION` alone (matches everything) or `ACTION SRC DST`.
    public init(parsing text: String) throws(ValueError) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count == 1 || words.count == 3 else {
            throw ValueError(expected: "'allow|deny' or 'allow|deny SRC[/mask] DST[/mask]'")
        }
        switch words[0] {
        case "allow": allows = true
        case "deny": allows = false
        default: throw ValueError(expected: "the action 'allow' or 'deny', not '\(words[0])'")
        }
        source = words.count == 3 ? try TuntapAddressMatch(parsing: words[1]) : .any
        destination = words.count == 3 ? try TuntapAddressMatch(parsing: words[2]) : .any
    }

    /// True when the packet's addresses match.
    public func matches(source: UInt32, destination: UInt32) -> Bool {
        self.source.matches(source) && self.destination.matches(destination)
    }

    /// `allow 10.0.0.0/24 10.0.0.1/32`.
    public var description: String { "\(allows ? "allow" : "deny") \(source) \(destination)" }
}

/// One `--tuntap-router-route "SRC[/m] DST[/m] IP:PORT"`: matching peer traffic goes over UDP.
public struct TuntapRoute: Sendable, Hashable, CustomStringConvertible {
    /// The source match.
    public var source: TuntapAddressMatch
    /// The destination match.
    public var destination: TuntapAddressMatch
    /// The UDP target address, host byte order.
    public var target: UInt32
    /// The UDP target port.
    public var port: UInt16

    /// Creates a route.
    public init(source: TuntapAddressMatch, destination: TuntapAddressMatch, target: UInt32, port: UInt16) {
        self.source = source
        self.destination = destination
        self.target = target
        self.port = port
    }

    /// Parses `SRC DST IP:PORT`.
    public init(parsing text: String) throws(ValueError) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count == 3 else { throw ValueError(expected: "'SRC[/mask] DST[/mask] IP:PORT'") }
        source = try TuntapAddressMatch(parsing: words[0])
        destination = try TuntapAddressMatch(parsing: words[1])
        (target, port) = try TuntapAddressMatch.target(words[2])
    }

    /// `10.0.0.0/24 10.1.0.0/16 -> 127.0.0.1:4000`.
    public var description: String { "\(source) \(destination) -> \(TuntapAddressMatch.dotted(target)):\(port)" }
}

/// One `--tuntap-device "DEV[ SOCKET]"`: a TUN device, and the router socket it connects to.
public struct TuntapDeviceLine: Sendable, Hashable {
    /// TUN device name.
    public var device: String
    /// The router's unix socket; nil creates the device only.
    public var socket: String?

    /// Creates a device line.
    public init(device: String, socket: String?) {
        self.device = device
        self.socket = socket
    }

    /// Parses `DEV` or `DEV SOCKET`.
    public init(parsing text: String) throws(ValueError) {
        let words = text.split(separator: " ", maxSplits: 1).map(String.init)
        guard let device = words.first, (1...15).contains(device.utf8.count) else {
            throw ValueError(expected: "'DEV[ SOCKET]' with a device name of 1-15 bytes")
        }
        self.device = device
        self.socket = words.count == 2 ? words[1] : nil
    }
}

extension TuntapRule {
    /// Parses `--tuntap-device-rule "in|out SRC[/m] DST[/m] allow|deny|route|gateway [IP:PORT]"`.
    ///
    /// uWSGI builds these masks as `0xffffffff << (n - 32)`, so on x86 `/24` acts as `/8`; here
    /// `/n` means `/n` (a router reading uWSGI's rules gets uWSGI's masks as sent).
    public init(parsing text: String) throws(ValueError) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.count == 4 || words.count == 5 else {
            throw ValueError(expected: "'in|out SRC[/mask] DST[/mask] allow|deny|route|gateway [IP:PORT]'")
        }
        let direction: Direction
        switch words[0] {
        case "in": direction = .in
        case "out": direction = .out
        default: throw ValueError(expected: "the direction 'in' or 'out', not '\(words[0])'")
        }
        let source = try TuntapAddressMatch(parsing: words[1])
        let destination = try TuntapAddressMatch(parsing: words[2])
        let action: Action
        switch words[3] {
        case "allow": action = .allow
        case "deny": action = .deny
        case "route", "gateway": action = .route
        default: throw ValueError(expected: "the action 'allow', 'deny', 'route' or 'gateway', not '\(words[3])'")
        }
        var target: (address: UInt32, port: UInt16) = (0, 0)
        if action == .route {
            guard words.count == 5 else { throw ValueError(expected: "a target IP:PORT after '\(words[3])'") }
            target = try TuntapAddressMatch.target(words[4])
        } else if words.count == 5 {
            throw ValueError(expected: "no target after '\(words[3])' (only route and gateway take one)")
        }
        self.init(direction: direction, source: source.address, sourceMask: source.mask,
                  destination: destination.address, destinationMask: destination.mask,
                  action: action, target: target.address, targetPort: target.port)
    }
}
