/// How the Fleet screen groups its routers: not at all, by host, or by subscription key.
public enum FleetGrouping: String, Sendable, Hashable, CaseIterable {
    /// One row per router.
    case none
    /// Routers under a header per host (`RouterRow.host`).
    case host
    /// Routers under a header per subscription key they serve; a router serving three keys is
    /// listed three times, and one serving none under `(no keys)`.
    case key

    /// The next grouping in the cycle none → host → key → none.
    public var next: FleetGrouping {
        switch self {
        case .none: return .host
        case .host: return .key
        case .key: return .none
        }
    }

    /// The lines of the grouped table: each group's header (in name order, `(no keys)` last)
    /// followed by its routers in the order of `rows`, unless its name is in `collapsed`. With
    /// `.none`, one line per row.
    public func lines(for rows: [RouterRow], collapsed: Set<String> = []) -> [FleetLine] {
        switch self {
        case .none:
            return rows.map(FleetLine.router)
        case .host:
            return Self.lines(grouping: self, rows: rows, collapsed: collapsed) { row, add in
                add(.name(HashedKey(row.host)), StateTally(row.nodesByState), row.requestsPerSecond)
            }
        case .key:
            return Self.lines(grouping: self, rows: rows, collapsed: collapsed) { row, add in
                let keys = row.keyStats
                guard !keys.isEmpty else {
                    add(.name(HashedKey(RouterGroup.noKeys)), StateTally(row.nodesByState), row.requestsPerSecond)
                    return
                }
                // A key listed twice (a hostile document) counts once. Few keys: compared
                // with the earlier ones (by the hash worked out with the row first: names
                // differ, and comparing ten 20-byte names pairwise was a quarter of the cost);
                // many: remembered in a set.
                // By index: each key's stats are read in the row's array, not copied out.
                var seen: Set<String>? = keys.count > 16 ? [] : nil
                for position in keys.indices {
                    if seen != nil {
                        guard seen?.insert(keys[position].key).inserted == true else { continue }
                    } else if keys.indices[..<position].contains(where: {
                        keys[$0].keyHash == keys[position].keyHash && keys[$0].key == keys[position].key
                    }) {
                        continue
                    }
                    add(.key(keys, position), keys[position].tally, keys[position].requestsPerSecond)
                }
            }
        }
    }

    /// What a router is grouped under: one of its keys, or a name (its host, or no keys).
    private enum GroupName {
        /// Key `index` of a row's keys (the array, not a copy of the key's stats).
        case key([RouterKeyStats], Int)
        case name(HashedKey)

        var text: String {
            switch self {
            case let .key(keys, index): return keys[index].key
            case let .name(name): return name.key
            }
        }
    }

    /// Groups `rows` by the names `place` gives each (with the nodes and rate it counts there).
    private static func lines(
        grouping: FleetGrouping, rows: [RouterRow], collapsed: Set<String>,
        place: (RouterRow, (GroupName, StateTally, Double?) -> Void) -> Void
    ) -> [FleetLine] {
        var positions = KeyPositions(rows: grouping == .key ? rows : [])
        var groups: [RouterGroup] = []
        var tallies: [StateTally] = []
        // Row positions, not rows: a row is copied once, into its line.
        var members: [[Int]] = []
        for (rowIndex, row) in rows.enumerated() {
            place(row) { name, nodes, rate in
                let found: (position: Int, isNew: Bool)
                switch name {
                case let .key(keys, index): found = positions.position(of: keys[index], next: groups.count)
                case let .name(hashed): found = positions.position(of: hashed, next: groups.count)
                }
                let position = found.position
                if found.isNew {
                    let text = name.text
                    groups.append(RouterGroup(grouping: grouping, name: text, collapsed: collapsed.contains(text)))
                    tallies.append(StateTally())
                    members.append([])
                }
                if groups[position].add(row, requestsPerSecond: rate) { tallies[position].add(nodes) }
                members[position].append(rowIndex)
            }
        }
        let order = groups.indices.sorted { a, b in
            let (left, right) = (groups[a].name, groups[b].name)
            // The routers without a key come last, whatever sorts before "(".
            if (left == RouterGroup.noKeys) != (right == RouterGroup.noKeys) { return right == RouterGroup.noKeys }
            return left < right
        }
        var lines: [FleetLine] = []
        lines.reserveCapacity(groups.count + rows.count)
        for position in order {
            var group = groups[position]
            group.nodesByState = tallies[position].dictionary
            lines.append(.group(group))
            if !group.collapsed {
                for rowIndex in members[position] { lines.append(.router(rows[rowIndex])) }
            }
        }
        return lines
    }
}

/// One group of the grouped Fleet screen (a host, or a key) with counts over its routers.
public struct RouterGroup: Sendable, Hashable {
    /// The name of the group of routers that serve no subscription key.
    public static let noKeys = ""

    /// What the routers share.
    public var grouping: FleetGrouping
    /// The host or the key (`noKeys` for the routers without one).
    public var name: String
    /// Whether the group's routers are hidden under the header.
    public var collapsed: Bool
    /// Routers in the group still in the fleet.
    public var routers = 0
    /// Of `routers`, those whose status is ok.
    public var ok = 0
    /// Of `routers`, those stale or unreachable (the group's errors).
    public var troubled = 0
    /// Routers the registry no longer lists (not counted in `routers`).
    public var gone = 0
    /// Nodes by state: the routers' nodes, or (grouped by key) the key's nodes on each router.
    public var nodesByState: [NodeDisplayState: Int] = [:]
    /// Requests per second over the routers that have a rate (by key: the key's requests).
    public var requestsPerSecond: Double?
    /// Open client sessions over the routers (pinned at `UInt64.max`).
    public var activeSessions: UInt64?

    /// Creates an empty group.
    public init(grouping: FleetGrouping, name: String, collapsed: Bool = false) {
        self.grouping = grouping
        self.name = name
        self.collapsed = collapsed
    }

    /// The header's title: the host or key, or `(no keys)`.
    public var title: String { name == Self.noKeys && grouping == .key ? "(no keys)" : name }

    /// Adds one router with `requestsPerSecond` for it; false for a gone router (counted apart,
    /// its nodes not counted).
    mutating func add(_ row: RouterRow, requestsPerSecond rate: Double?) -> Bool {
        if case .gone = row.status {
            gone &+= 1
            return false
        }
        routers &+= 1
        switch row.status {
        case .ok: ok &+= 1
        case .stale, .unreachable: troubled &+= 1
        case .neverPolled, .gone: break
        }
        if let rate { requestsPerSecond = (requestsPerSecond ?? 0) + rate }
        if let sessions = row.activeSessions { activeSessions = (activeSessions ?? 0).saturatingAdding(sessions) }
        return true
    }
}

/// One line of the Fleet table: a group header or a router.
public enum FleetLine: Sendable, Hashable {
    // Boxed: a header is ~90 bytes and a router line one reference, so unboxed every line of
    // the table (100,000 grouped by key at 10,000 routers) took the header's size.
    /// A group's header.
    indirect case group(RouterGroup)
    /// A router.
    case router(RouterRow)

    /// The router of a router line.
    public var router: RouterRow? {
        if case let .router(row) = self { return row }
        return nil
    }

    /// The group of a header line.
    public var group: RouterGroup? {
        if case let .group(group) = self { return group }
        return nil
    }
}
