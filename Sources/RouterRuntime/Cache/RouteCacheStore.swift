import NIOConcurrencyHelpers
import RouterConfig
import RouterCore

/// One named key → nodes cache of the process (`--cache2 name=…,items=…`), shared by every
/// router whose `-use-cache` names it, fed by the admin API, cache UDP datagrams and the state
/// file. RouterCore's `RouteCache` holds the items (capped by `items=`, round-robin by hit
/// counter); this class only puts it behind a lock and tells its owner when it changed.
public final class RouteCacheStore: RouteResolver, Sendable {
    /// One item as listed and persisted.
    public struct Entry: Sendable, Hashable, Codable {
        /// The key.
        public var key: String
        /// The value (`addr[,modifier1][|…]`).
        public var value: String
        /// Expiry in epoch seconds; nil for never.
        public var expires: UInt64?
        /// Lookups served since the item was set.
        public var hits: UInt64?

        /// Creates an entry.
        public init(key: String, value: String, expires: UInt64? = nil, hits: UInt64? = nil) {
            self.key = key
            self.value = value
            self.expires = expires
            self.hits = hits
        }
    }

    /// The cache's name.
    public let name: String
    private let cache: NIOLockedValueBox<RouteCache>
    /// Bumped on every change; the state-file writer saves when it moved.
    private let version = NIOLockedValueBox<UInt64>(0)

    /// Creates an empty store for `spec`.
    public init(spec: CacheSpec) {
        self.name = spec.name
        self.cache = NIOLockedValueBox(RouteCache(maximumItems: spec.items))
    }

    /// The cache mapper's lookup: the item's next element (round robin), nil for no item.
    public func resolve(key: RouteKey) -> NodeAddress? {
        cache.withLockedValue { $0.lookup(key) }
    }

    /// Sets an item; throws a typed error for a bad key or value, or a full cache.
    public func set(_ entry: Entry) throws(RouterCoreError) {
        try update { cache throws(RouterCoreError) in try cache.set(RouteKey(entry.key), value: entry.value, expires: entry.expires) }
    }

    /// Sets an item from raw bytes (a cache datagram); a value that is not UTF-8 is refused.
    public func set(key: [UInt8], value: [UInt8], expires: UInt64?) throws(RouterCoreError) {
        guard let text = String(validating: value, as: UTF8.self) else {
            throw .invalidCacheValue(value: String(decoding: value, as: UTF8.self), reason: "not UTF-8")
        }
        try update { cache throws(RouterCoreError) in try cache.set(RouteKey(bytes: key), value: text, expires: expires) }
    }

    /// Deletes an item; true when it existed.
    @discardableResult
    public func delete(key: [UInt8]) -> Bool {
        let existed = cache.withLockedValue { $0.delete(RouteKey(bytes: key)) }
        if existed { changed() }
        return existed
    }

    /// Removes the items expired at `now` (epoch seconds); how many.
    @discardableResult
    public func expire(now: UInt64) -> Int {
        let removed = cache.withLockedValue { $0.expire(now: now).count }
        if removed > 0 { changed() }
        return removed
    }

    /// Every item, sorted by key.
    public var entries: [Entry] {
        cache.withLockedValue { cache in
            cache.items.map { key, item in Entry(key: key.string, value: item.value, expires: item.expires, hits: item.hits) }
        }.sorted { $0.key < $1.key }
    }

    /// The item limit (`items=`).
    public var capacity: Int { cache.withLockedValue { $0.maximumItems ?? 0 } }

    /// The change counter (bumped by every set, delete and expiry).
    var changes: UInt64 { version.withLockedValue { $0 } }

    /// Runs one edit under the lock; counts it as a change when it did not throw.
    private func update(_ body: (inout RouteCache) throws(RouterCoreError) -> Void) throws(RouterCoreError) {
        let result = cache.withLockedValue { cache in Result { () throws(RouterCoreError) in try body(&cache) } }
        try result.get()
        changed()
    }

    private func changed() {
        version.withLockedValue { $0 &+= 1 }
    }
}
