/// The answer of `GET /v1/cache`: every key → nodes cache of a fleetrouter process with its
/// items, as the router writes it and fleettop reads it back.
public struct CacheListing: Sendable, Hashable {
    /// One cache.
    public struct Cache: Sendable, Hashable {
        /// The cache's name (`--cache2 name=`).
        public var name: String
        /// Its item limit (`items=`).
        public var capacity: UInt64
        /// Its items, sorted by key.
        public var items: [Item]

        /// Creates a cache listing.
        public init(name: String, capacity: UInt64, items: [Item]) {
            self.name = name
            self.capacity = capacity
            self.items = items
        }
    }

    /// One item.
    public struct Item: Sendable, Hashable {
        /// The key.
        public var key: String
        /// The value (`addr[,modifier1][|…]`).
        public var value: String
        /// Expiry in epoch seconds; nil for never.
        public var expires: UInt64?
        /// Lookups served since the item was set.
        public var hits: UInt64

        /// Creates an item.
        public init(key: String, value: String, expires: UInt64?, hits: UInt64) {
            self.key = key
            self.value = value
            self.expires = expires
            self.hits = hits
        }
    }

    /// The caches in configuration order.
    public var caches: [Cache]

    /// Creates a listing.
    public init(caches: [Cache]) {
        self.caches = caches
    }

    /// The compact JSON: `{"caches":[{"name":…,"items":N,"entries":[{"key":…,"value":…,"expires":E|null,"hits":H}]}]}`.
    public func encodeJSON() -> [UInt8] {
        var writer = JSONWriter(style: .compact, reservingCapacity: 256)
        writer.beginObject()
        writer.key("caches")
        writer.beginArray()
        for cache in caches {
            writer.beginObject()
            writer.member("name", cache.name)
            writer.member("items", cache.capacity)
            writer.key("entries")
            writer.beginArray()
            for item in cache.items {
                writer.beginObject()
                writer.member("key", item.key)
                writer.member("value", item.value)
                writer.member("expires", item.expires)
                writer.member("hits", item.hits)
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }

    /// Decodes what `encodeJSON` wrote; throws `WireError.malformedAdmin` naming the field.
    public init(json bytes: some Collection<UInt8>) throws(WireError) {
        let root = try JSONValue(parsing: bytes)
        guard case .array(let list)? = root["caches"] else { throw .malformedAdmin(reason: "caches: expected an array") }
        var caches: [Cache] = []
        for entry in list {
            guard case .string(let name)? = entry["name"], case .unsigned(let capacity)? = entry["items"],
                  case .array(let rows)? = entry["entries"] else {
                throw .malformedAdmin(reason: "caches[]: expected name, items and entries")
            }
            var items: [Item] = []
            for row in rows {
                guard case .string(let key)? = row["key"], case .string(let value)? = row["value"],
                      case .unsigned(let hits)? = row["hits"] else {
                    throw .malformedAdmin(reason: "caches[].entries[]: expected key, value and hits")
                }
                var expires: UInt64?
                if case .unsigned(let seconds)? = row["expires"] { expires = seconds }
                items.append(Item(key: key, value: value, expires: expires, hits: hits))
            }
            caches.append(Cache(name: name, capacity: capacity, items: items))
        }
        self.init(caches: caches)
    }
}
