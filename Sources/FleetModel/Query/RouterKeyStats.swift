import Synchronization

/// One subscription key of one router: its nodes by state and its counters, as the key view and
/// the Fleet screen's grouping by key add them up.
public struct RouterKeyStats: Sendable, Hashable {
    /// The subscription key.
    public var key: String {
        didSet { keyHash = key.hashValue }
    }
    /// The slot's cumulative lookups.
    public var hits: UInt64
    /// Cumulative requests over the key's nodes (pinned at `UInt64.max` rather than overflowing).
    public var requests: UInt64
    /// `failcnt` over the key's nodes (pinned at `UInt64.max` rather than overflowing).
    public var failures: UInt64
    /// The key's nodes by display state.
    public var nodesByState: [NodeDisplayState: Int] {
        didSet { tally = StateTally(nodesByState) }
    }
    /// Requests per second over the key's nodes, nil before two polls.
    public var requestsPerSecond: Double?
    // Derived when the row is built (off the UI thread), so the key view and the grouping by
    // key add a router's key up without hashing its name or walking a dictionary.
    /// `nodesByState` as a tally.
    private(set) var tally: StateTally
    /// `key.hashValue`.
    private(set) var keyHash: Int
    /// The key's number in the snapshot that built the row (`KeyNumbers`), -1 for none.
    var number: Int32 = -1
    /// The identity of that numbering.
    var numbering: UInt64 = 0

    /// Creates the stats of one key.
    public init(key: String, hits: UInt64 = 0, requests: UInt64 = 0, failures: UInt64 = 0,
                nodesByState: [NodeDisplayState: Int] = [:], requestsPerSecond: Double? = nil) {
        self.key = key
        self.keyHash = key.hashValue
        self.tally = StateTally(nodesByState)
        self.hits = hits
        self.requests = requests
        self.failures = failures
        self.nodesByState = nodesByState
        self.requestsPerSecond = requestsPerSecond
    }

    /// Nodes under the key.
    public var nodeCount: Int { nodesByState.values.reduce(0, &+) }

    /// Same key, counters, nodes and rate (what is derived from them is not compared).
    public static func == (lhs: RouterKeyStats, rhs: RouterKeyStats) -> Bool {
        lhs.key == rhs.key && lhs.hits == rhs.hits && lhs.requests == rhs.requests && lhs.failures == rhs.failures
            && lhs.nodesByState == rhs.nodesByState && lhs.requestsPerSecond == rhs.requestsPerSecond
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(hits)
        hasher.combine(requests)
        hasher.combine(failures)
        hasher.combine(nodesByState)
        hasher.combine(requestsPerSecond)
    }
}

/// Small numbers for the subscription keys of one snapshot's rows, given when a row is built
/// (off the UI thread), so that adding up keys over the fleet indexes an array instead of
/// hashing names. Numbers of two numberings (`identity`) are not comparable.
struct KeyNumbers: Sendable {
    private static let identities = Atomic<UInt64>(0)

    /// Tells this numbering from every other of the process.
    let identity: UInt64
    private(set) var numbers: [String: Int32] = [:]

    init() {
        identity = Self.identities.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// The number of `key`, given now if it has none.
    mutating func number(of key: String) -> Int32 {
        if let number = numbers[key] { return number }
        // The snapshot renumbers long before this many keys (see `FleetSnapshot`).
        let number = Int32(clamping: numbers.count)
        numbers[key] = number
        return number
    }

    /// Numbers `stats` in this numbering.
    mutating func number(_ stats: inout [RouterKeyStats]) {
        for index in stats.indices {
            stats[index].number = number(of: stats[index].key)
            stats[index].numbering = identity
        }
    }
}

/// Finds where a key's total is kept while keys are added up over rows: by the key's number
/// when every row was numbered by the same snapshot, else by its name (hashed once per row).
struct KeyPositions {
    private var byNumber: [Int32] = []
    private var byName: [HashedKey: Int] = [:]
    private let numbered: Bool

    /// Positions for adding up the keys of `rows`.
    init(rows: [RouterRow]) {
        var numbering: UInt64?
        var largest: Int32 = -1
        var numbered = true
        // Two fields of each key are read in place: `for stats in` would copy each key's
        // stats (a retain and release of its name and counts) for a fleet-wide scan.
        scan: for row in rows {
            let keys = row.keyStats
            for index in keys.indices {
                let (number, keyNumbering) = (keys[index].number, keys[index].numbering)
                guard number >= 0, numbering == nil || numbering == keyNumbering else {
                    numbered = false
                    break scan
                }
                numbering = keyNumbering
                largest = max(largest, number)
            }
        }
        self.numbered = numbered
        if numbered { byNumber = [Int32](repeating: -1, count: Int(largest) + 1) }
    }

    /// The position of `stats`' key, and whether it is new (then it is `next`).
    mutating func position(of stats: RouterKeyStats, next: Int) -> (position: Int, isNew: Bool) {
        // The empty key goes by name, where the grouping's `(no keys)` group (named "") is.
        guard numbered, !stats.key.isEmpty else { return position(of: HashedKey(stats), next: next) }
        let number = Int(stats.number)
        let found = byNumber[number]
        if found >= 0 { return (Int(found), false) }
        byNumber[number] = Int32(clamping: next)
        return (next, true)
    }

    /// The position of a group named `name`, and whether it is new (then it is `next`).
    mutating func position(of name: HashedKey, next: Int) -> (position: Int, isNew: Bool) {
        if let found = byName[name] { return (found, false) }
        byName[name] = next
        return (next, true)
    }
}

/// A key name with its hash worked out once: a dictionary of these hashes one integer per
/// lookup, not the whole name.
struct HashedKey: Hashable {
    let key: String
    let hash: Int

    init(_ stats: RouterKeyStats) {
        key = stats.key
        hash = stats.keyHash
    }

    init(_ key: String) {
        self.key = key
        hash = key.hashValue
    }

    static func == (lhs: HashedKey, rhs: HashedKey) -> Bool { lhs.hash == rhs.hash && lhs.key == rhs.key }
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}
