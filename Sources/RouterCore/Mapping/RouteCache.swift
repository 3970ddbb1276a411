/// The cache mapper's key → nodes store (`--xxx-use-cache`), fed by the admin API, cache UDP
/// datagrams or the state file.
///
/// As in uWSGI, an item `addr1|addr2,5` rotates round-robin: the element used is the item's hit
/// counter mod the element count. No health tracking: a failed element is tried by the next
/// lookup again. At most `maximumItems` keys are held (`--cache2 items=N`): a new key beyond
/// that is refused, a replaced one is not. Expiry is wall-clock epoch seconds, as uWSGI's
/// cache datagrams carry it; the owner calls `expire(now:)`.
public struct RouteCache: Sendable {
    /// One cached route.
    public struct Item: Sendable, Hashable {
        /// The elements in value order.
        public var elements: [NodeAddress]
        /// The value as set (`addr[,modifier1][|…]`).
        public var value: String
        /// When the item expires, in epoch seconds; nil for never.
        public var expires: UInt64?
        /// Lookups served by this item.
        public var hits: UInt64
    }

    /// Items by key.
    public private(set) var items: [RouteKey: Item] = [:]
    /// The most keys held; nil for no limit.
    public let maximumItems: Int?

    /// Creates an empty cache holding at most `maximumItems` keys (nil: no limit).
    public init(maximumItems: Int? = nil) {
        self.maximumItems = maximumItems
    }

    /// Sets `key` to a value in uWSGI's syntax: `addr[,modifier1][|addr[,modifier1]…]`,
    /// expiring at `expires` (epoch seconds; nil for never). The hit counter restarts.
    public mutating func set(_ key: RouteKey, value: String, expires: UInt64? = nil) throws(RouterCoreError) {
        try set(key, elements: try Self.parse(value), value: value, expires: expires)
    }

    /// Sets `key` to a list of elements (at least one).
    public mutating func set(_ key: RouteKey, elements: [NodeAddress]) throws(RouterCoreError) {
        let value = elements.map { element in element.modifier1.map { "\(element.address),\($0)" } ?? element.address }
        try set(key, elements: elements, value: value.joined(separator: "|"), expires: nil)
    }

    /// The elements of a value in uWSGI's syntax; throws naming the element at fault.
    public static func parse(_ value: String) throws(RouterCoreError) -> [NodeAddress] {
        var elements: [NodeAddress] = []
        for element in value.split(separator: "|", omittingEmptySubsequences: false) {
            let address = try NodeAddress(parsing: element, in: value)
            guard address.address.utf8.count <= 255 else {
                throw .invalidCacheValue(value: value, reason: "address \"\(address.address)\" is over 255 bytes")
            }
            elements.append(address)
        }
        return elements
    }

    private mutating func set(_ key: RouteKey, elements: [NodeAddress], value: String, expires: UInt64?) throws(RouterCoreError) {
        try SubscriptionTable.validate(key: key)
        guard !elements.isEmpty else { throw .invalidCacheValue(value: value, reason: "no element") }
        if let maximumItems, items[key] == nil, items.count >= maximumItems {
            throw .cacheFull(key: key.string, limit: maximumItems)
        }
        items[key] = Item(elements: elements, value: value, expires: expires, hits: 0)
    }

    /// Removes `key`; true when it existed.
    @discardableResult
    public mutating func delete(_ key: RouteKey) -> Bool {
        items.removeValue(forKey: key) != nil
    }

    /// Removes every item whose expiry is at or before `now` (epoch seconds); the keys removed.
    public mutating func expire(now: UInt64) -> [RouteKey] {
        let expired = items.compactMap { key, item in item.expires.map { $0 <= now } == true ? key : nil }
        for key in expired { items.removeValue(forKey: key) }
        return expired
    }

    /// The element for this lookup (hits mod count), counting the hit; nil for a missing key.
    public mutating func lookup(_ key: RouteKey) -> NodeAddress? {
        guard let index = items.index(forKey: key) else { return nil }
        let item = items.values[index]
        let element = item.elements[Int(item.hits % UInt64(item.elements.count))]
        items.values[index].hits &+= 1
        return element
    }
}
