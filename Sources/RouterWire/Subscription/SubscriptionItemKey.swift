/// The subscription item keys a router interprets, in uWSGI's emitting order.
enum SubscriptionItemKey: String, CaseIterable, Sendable {
    case key
    case address
    case modifier1
    case modifier2
    case cores
    case load
    case weight
    case backup
    case vassal
    case sniKey = "sni_key"
    case sniCrt = "sni_crt"
    case sniCA = "sni_ca"
    case proto
    case algo
    case inactive
    case notify
    case clear
    case unix
    case sign

    /// A bit per key, for cheap "already written" sets.
    var bit: UInt32 { 1 << UInt32(Self.allCases.firstIndex(of: self) ?? 0) }

    /// Keys written before unknown items in canonical order; `unix` and `sign` close the packet
    /// because the signature covers everything before it.
    static let canonicalHead: [SubscriptionItemKey] = allCases.filter { $0 != .unix && $0 != .sign }

    /// Keys written after unknown items in canonical order.
    static let canonicalTail: [SubscriptionItemKey] = [.unix, .sign]

    /// Looks a key up from its raw bytes without building a `String` for known keys.
    static func lookup(_ bytes: some Collection<UInt8>) -> SubscriptionItemKey? {
        // Keys are short ASCII; the few candidates of the same length are compared byte-wise,
        // on contiguous bytes when the caller has them (a datagram's vars always do).
        let count = bytes.count
        let fast = bytes.withContiguousStorageIfAvailable { raw -> SubscriptionItemKey? in
            for entry in table where entry.bytes.count == count && raw.elementsEqual(entry.bytes) {
                return entry.key
            }
            return nil
        }
        if let fast { return fast }
        for entry in table where entry.bytes.count == count && bytes.elementsEqual(entry.bytes) {
            return entry.key
        }
        return nil
    }

    /// Every key with its bytes, built once (`allCases` builds an array on every use).
    private static let table: [(bytes: [UInt8], key: SubscriptionItemKey)] = allCases.map { (Array($0.rawValue.utf8), $0) }
}
