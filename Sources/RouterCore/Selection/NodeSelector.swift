/// What the balancing algorithms need to know about a node (subscription or static).
protocol BalancedNode {
    /// Alive: not death-marked (or in grace) and not drained.
    var isSelectable: Bool { get }
    /// Effective weight, at least 1.
    var balanceWeight: UInt64 { get }
    /// Sessions in flight.
    var inFlight: UInt64 { get }
    /// Connects since the last refresh (lrc tiebreak).
    var recentRequests: UInt64 { get }
    /// Backup level; 0 is tried first.
    var backupLevel: UInt64 { get }
    /// Smooth WRR current credit.
    var wrrCurrent: Int64 { get set }
}

/// The balancing algorithms, over any node list, in place and without allocating.
enum NodeSelector {
    /// Weights are clamped so smooth-WRR sums cannot overflow `Int64` for any realistic slot.
    static let maximumWeight: UInt64 = 1 << 32

    /// Picks the index of the node to use, or nil when no node is alive (or, for iphash, the
    /// client is not an IP peer). Updates smooth-WRR credit; does not touch reference counts.
    static func pick<Node: BalancedNode>(
        _ nodes: inout [Node], algorithm: BalancingAlgorithm, client: ClientAddress?
    ) -> Int? {
        if algorithm == .iphash {
            return ipHash(nodes, client: client)
        }
        // Backup levels: only the lowest level that still has an alive node takes part.
        var level = UInt64.max
        var anyAlive = false
        for node in nodes where node.isSelectable {
            anyAlive = true
            level = min(level, node.backupLevel)
        }
        guard anyAlive else { return nil }
        switch algorithm {
        case .wrr: return smoothWeightedRoundRobin(&nodes, level: level)
        case .lrc: return leastReferences(nodes, level: level, weighted: false)
        case .wlrc: return leastReferences(nodes, level: level, weighted: true)
        case .iphash: return nil
        }
    }

    static func weight<Node: BalancedNode>(of node: Node) -> Int64 {
        Int64(min(max(node.balanceWeight, 1), maximumWeight))
    }

    /// nginx's smooth WRR: every candidate gains its weight, the richest wins and pays the total.
    /// Over one period of sum(weights) picks each node is chosen exactly weight times, evenly
    /// spread. uWSGI's own wrr (floor(weight / min) credits, restart at the last node) is not
    /// copied: it turns 3:2 into 1:1.
    static func smoothWeightedRoundRobin<Node: BalancedNode>(_ nodes: inout [Node], level: UInt64) -> Int? {
        var total: Int64 = 0
        var best: Int? = nil
        var bestCurrent = Int64.min
        for index in nodes.indices where nodes[index].isSelectable && nodes[index].backupLevel == level {
            let weight = weight(of: nodes[index])
            nodes[index].wrrCurrent &+= weight
            total &+= weight
            if nodes[index].wrrCurrent > bestCurrent {
                bestCurrent = nodes[index].wrrCurrent
                best = index
            }
        }
        if let best {
            nodes[best].wrrCurrent &-= total
        }
        return best
    }

    /// lrc / wlrc: fewest in-flight sessions (per unit of weight for wlrc); ties go to the node
    /// with fewer connects since its last refresh, then to list order (uWSGI's heuristic looks
    /// at the same two fields).
    static func leastReferences<Node: BalancedNode>(_ nodes: [Node], level: UInt64, weighted: Bool) -> Int? {
        var best: Int? = nil
        for index in nodes.indices where nodes[index].isSelectable && nodes[index].backupLevel == level {
            guard let current = best else {
                best = index
                continue
            }
            let candidate = nodes[index], chosen = nodes[current]
            // Compare ref_a / w_a with ref_b / w_b exactly by cross-multiplying.
            let lhs = weighted ? candidate.inFlight.multipliedFullWidth(by: UInt64(weight(of: chosen))) : (0, candidate.inFlight)
            let rhs = weighted ? chosen.inFlight.multipliedFullWidth(by: UInt64(weight(of: candidate))) : (0, chosen.inFlight)
            if (lhs.0, lhs.1) < (rhs.0, rhs.1)
                || ((lhs.0, lhs.1) == (rhs.0, rhs.1) && candidate.recentRequests < chosen.recentRequests) {
                best = index
            }
        }
        return best
    }

    /// uWSGI master's iphash: count the alive nodes (c) and take the alive node at h mod c.
    static func ipHash<Node: BalancedNode>(_ nodes: [Node], client: ClientAddress?) -> Int? {
        guard let hash = client?.ipHash else { return nil }
        var alive: UInt32 = 0
        for node in nodes where node.isSelectable { alive += 1 }
        guard alive > 0 else { return nil }
        var target = hash % alive
        for index in nodes.indices where nodes[index].isSelectable {
            if target == 0 { return index }
            target -= 1
        }
        return nil
    }
}
