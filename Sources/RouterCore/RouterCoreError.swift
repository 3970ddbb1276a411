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
    /// A static node address already exists in the list.
    case duplicateStaticNode(String)
    /// No node matches the given key and address.
    case unknownNode(key: String?, address: String)

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
        case .duplicateStaticNode(let address):
            return "static node \"\(address)\" already exists"
        case .unknownNode(let key, let address):
            if let key { return "no node \"\(address)\" under key \"\(key)\"" }
            return "no static node \"\(address)\""
        }
    }
}
