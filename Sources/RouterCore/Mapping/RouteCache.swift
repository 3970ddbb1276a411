/// The cache mapper's key → nodes store (`--xxx-use-cache`), fed by the admin API or the runtime.
///
/// As in uWSGI, an item `addr1|addr2,5` rotates round-robin: the element used is the item's hit
/// counter mod the element count. No health tracking: a failed element is tried by the next
/// lookup again.
public struct RouteCache: Sendable {
    /// One cached route.
    public struct Item: Sendable, Hashable {
        /// The elements in value order.
        public var elements: [NodeAddress]
        /// Lookups served by this item.
        public var hits: UInt64
    }

    /// Items by key.
    public private(set) var items: [RouteKey: Item] = [:]

    /// Creates an empty cache.
    public init() {}

    /// Sets `key` to a value in uWSGI's syntax: `addr[,modifier1][|addr[,modifier1]…]`.
    public mutating func set(_ key: RouteKey, value: String) throws(RouterCoreError) {
        var elements: [NodeAddress] = []
        for element in value.split(separator: "|", omittingEmptySubsequences: false) {
            elements.append(try NodeAddress(parsing: element, in: value))
        }
        try set(key, elements: elements, value: value)
    }

    /// Sets `key` to a list of elements (at least one).
    public mutating func set(_ key: RouteKey, elements: [NodeAddress]) throws(RouterCoreError) {
        try set(key, elements: elements, value: elements.map(\.address).joined(separator: "|"))
    }

    private mutating func set(_ key: RouteKey, elements: [NodeAddress], value: String) throws(RouterCoreError) {
        try SubscriptionTable.validate(key: key)
        guard !elements.isEmpty else { throw .invalidCacheValue(value: value, reason: "no element") }
        items[key] = Item(elements: elements, hits: 0)
    }

    /// Removes `key`; true when it existed.
    @discardableResult
    public mutating func delete(_ key: RouteKey) -> Bool {
        items.removeValue(forKey: key) != nil
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
