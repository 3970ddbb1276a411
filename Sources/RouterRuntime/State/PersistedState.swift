import RouterCore

/// What the state file holds: each router's operator state under its name (the file's only
/// content before caches existed, so older files still load) and, under the reserved key
/// `@caches`, the items of each named cache.
public struct PersistedState: Sendable, Hashable, Codable {
    /// The reserved top-level key of the caches (no router is named with an `@`).
    static let cachesKey = "@caches"

    /// Operator state by router name.
    public var routers: [String: OperatorState]
    /// Cache items by cache name.
    public var caches: [String: [RouteCacheStore.Entry]]

    /// Creates a document.
    public init(routers: [String: OperatorState] = [:], caches: [String: [RouteCacheStore.Entry]] = [:]) {
        self.routers = routers
        self.caches = caches
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes the document; a key other than `@caches` is a router.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var routers: [String: OperatorState] = [:]
        var caches: [String: [RouteCacheStore.Entry]] = [:]
        for key in container.allKeys {
            if key.stringValue == Self.cachesKey {
                caches = try container.decode([String: [RouteCacheStore.Entry]].self, forKey: key)
            } else {
                routers[key.stringValue] = try container.decode(OperatorState.self, forKey: key)
            }
        }
        self.init(routers: routers, caches: caches)
    }

    /// Encodes the routers at the top level and the caches (when any) under `@caches`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (name, state) in routers { try container.encode(state, forKey: Key(stringValue: name)) }
        if !caches.isEmpty { try container.encode(caches, forKey: Key(stringValue: Self.cachesKey)) }
    }
}
