/// Errors the router core reports for input it refuses; each names the input and what was expected.
public enum RouterCoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A subscription key was empty or longer than 255 bytes.
    case invalidKey(key: String, byteCount: Int)
    /// A node address was empty or longer than 255 bytes.
    case invalidAddress(address: String, byteCount: Int)
    /// A weight of 0 was given where at least 1 is required.
    case invalidWeight(UInt64)
    /// A cache value element could not be parsed (`addr` or `addr,modifier1` expected).
    case invalidCacheValue(value: String, reason: String)
    /// A new cache key would exceed the cache's item limit (`--cache2 items=N`).
    case cacheFull(key: String, limit: Int)
    /// A static node address already exists in the list.
    case duplicateStaticNode(String)
    /// No node matches the given key and address.
    case unknownNode(key: String?, address: String)
    /// A new key would exceed the table's key limit.
    case keyLimitReached(key: String, limit: Int)
    /// A new node would exceed its key's node limit.
    case nodeLimitReached(key: String, limit: Int)
    /// A new node's address equals an existing one's as text but not as bytes.
    case ambiguousAddress(key: String, address: String)
    /// Stamps are required (signed subscriptions) and the packet has no `unix` item.
    case missingStamp(key: String, address: String)
    /// The packet's `unix` stamp is not newer than the last one accepted for the node.
    case replayedStamp(key: String, address: String, stamp: UInt64, last: UInt64)

    /// A message naming the input and what was expected.
    public var description: String {
        switch self {
        case .invalidKey(let key, let count):
            return "subscription key \"\(key)\" is \(count) bytes; expected 1...255 bytes"
        case .invalidAddress(let address, let count):
            return "node address \"\(address)\" is \(count) bytes; expected 1...255 bytes"
        case .invalidWeight(let weight):
            return "weight \(weight) is invalid; expected an integer of at least 1"
        case .invalidCacheValue(let value, let reason):
            return "cache value \"\(value)\" is invalid: \(reason); expected addr[,modifier1][|addr[,modifier1]…]"
        case .cacheFull(let key, let limit):
            return "new cache key \"\(key)\" refused: the cache already holds \(limit) items (--cache2 items=)"
        case .duplicateStaticNode(let address):
            return "static node \"\(address)\" already exists"
        case .unknownNode(let key, let address):
            if let key { return "no node \"\(address)\" under key \"\(key)\"" }
            return "no static node \"\(address)\""
        case .keyLimitReached(let key, let limit):
            return "new key \"\(key)\" refused: the table already holds \(limit) keys (--subscription-max-keys)"
        case .nodeLimitReached(let key, let limit):
            return "new node for key \"\(key)\" refused: the key already has \(limit) nodes (--subscription-max-nodes-per-key)"
        case .ambiguousAddress(let key, let address):
            return "node address \"\(address)\" under key \"\(key)\" differs from an existing node's only in Unicode normalisation; refused"
        case .missingStamp(let key, let address):
            return "packet for \"\(key)\" node \"\(address)\" has no unix timestamp; signed subscriptions need one"
        case .replayedStamp(let key, let address, let stamp, let last):
            return "packet for \"\(key)\" node \"\(address)\" has unix \(stamp), not newer than the last accepted \(last): replay refused"
        }
    }
}
