/// Per-second rates by key (a subscription key, or a node's identity), stored by position: a
/// table of where each key sits, shared by every copy and written only when the keys change,
/// and the rates in one array. A poll that finds the same keys writes the rates in place by
/// position (`RatePositions`), so copying a router's rates while the UI still holds the last
/// ones copies one array of numbers, not a dictionary of strings.
public struct RateTable<Key: Hashable & Sendable>: Sendable {
    /// Where each key's rate is in `values`.
    private(set) var positions: [Key: Int] = [:]
    /// The rates, one per key.
    private(set) var values: [Double] = []

    /// Creates an empty table.
    public init() {}

    /// Creates a table of these rates.
    public init(_ rates: [Key: Double]) {
        for (key, rate) in rates { add(rate, to: key) }
    }

    /// The rate for `key`, nil when the table has none.
    public subscript(key: Key) -> Double? {
        positions[key].map { values[$0] }
    }

    /// How many keys have a rate.
    public var count: Int { values.count }

    /// Every key with its rate.
    public var dictionary: [Key: Double] {
        positions.mapValues { values[$0] }
    }

    /// Adds `rate` to `key`'s rate, which starts at 0 when the table has no rate for it.
    mutating func add(_ rate: Double, to key: Key) {
        if let position = positions[key] {
            values[position] += rate
        } else {
            positions[key] = values.count
            values.append(rate)
        }
    }

    /// Sets `key`'s rate to `rate`.
    mutating func assign(_ rate: Double, to key: Key) {
        if let position = positions[key] {
            values[position] = rate
        } else {
            positions[key] = values.count
            values.append(rate)
        }
    }

    /// Reserves room for `count` keys.
    mutating func reserveCapacity(_ count: Int) {
        positions.reserveCapacity(count)
        values.reserveCapacity(count)
    }

    /// Where `key`'s rate is, for `set(_:at:)`.
    func position(of key: Key) -> Int? { positions[key] }

    /// Sets the rate at `position` (from `position(of:)`).
    mutating func set(_ rate: Double, at position: Int) {
        values[position] = rate
    }

    /// The rate at `position` (from `position(of:)`).
    func rate(at position: Int) -> Double { values[position] }
}

extension RateTable: Hashable {
    /// Tables are equal when they hold the same keys with the same rates, wherever each sits.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        guard lhs.values.count == rhs.values.count else { return false }
        if lhs.positions == rhs.positions { return lhs.values == rhs.values }
        for (key, position) in lhs.positions where rhs[key] != lhs.values[position] { return false }
        return true
    }

    /// Hashes the keys and rates, in no particular order.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(dictionary)
    }
}
