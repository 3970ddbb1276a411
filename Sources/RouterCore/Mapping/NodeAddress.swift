/// An address with an optional modifier1, as the cache and code mappers return it
/// (`addr` or `addr,modifier1`).
public struct NodeAddress: Sendable, Hashable {
    /// The node address.
    public var address: String
    /// modifier1 for the node, when given.
    public var modifier1: UInt8?

    /// Creates an address.
    public init(address: String, modifier1: UInt8? = nil) {
        self.address = address
        self.modifier1 = modifier1
    }

    /// Parses `addr` or `addr,modifier1` (the text after the last comma must be 0...255).
    public init(parsing element: Substring, in value: String) throws(RouterCoreError) {
        guard let comma = element.lastIndex(of: ",") else {
            guard !element.isEmpty else { throw .invalidCacheValue(value: value, reason: "empty element") }
            self.init(address: String(element))
            return
        }
        let address = element[..<comma]
        let modifier = element[element.index(after: comma)...]
        guard !address.isEmpty else { throw .invalidCacheValue(value: value, reason: "empty address") }
        guard let number = UInt8(modifier) else {
            throw .invalidCacheValue(value: value, reason: "modifier1 \"\(modifier)\" is not a number in 0...255")
        }
        self.init(address: String(address), modifier1: number)
    }
}
