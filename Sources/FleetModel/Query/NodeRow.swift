import RouterWire

/// One node of a router (static or subscribed, present or recently gone), for the Router screen.
public struct NodeRow: Sendable, Hashable, Identifiable, Searchable {
    /// (key, address).
    public var id: NodeID
    /// Display state.
    public var state: NodeDisplayState
    /// New, present, gone or stale.
    public var presence: Presence
    /// Current weight (nil for static nodes).
    public var weight: UInt64?
    /// The operator's weight override (fleetrouter only).
    public var operatorWeight: UInt64?
    /// Sessions in flight (`ref`).
    public var inFlight: UInt64?
    /// Cumulative requests (static nodes: hits).
    public var requests: UInt64
    /// Requests per second, nil before two polls or for a gone node.
    public var requestsPerSecond: Double?
    /// Failure count.
    public var failcnt: UInt64?
    /// Seconds since the node's last announce (`now − last_check`), nil for static nodes.
    public var lastAnnounceAge: Double?
    /// Bytes read from the node.
    public var tx: UInt64?
    /// Bytes written to the node.
    public var rx: UInt64?
    /// Backup level (uWSGI master only).
    public var backup: UInt64?
    /// Recent requests-per-second samples, oldest first.
    public var history: [Double]
    /// The node's last announce (`last_check`, seconds since the epoch), nil for static nodes:
    /// `lastAnnounceAge(at:)` reads the age at any time from it.
    public var lastCheck: Double? = nil
    /// Whether time alone can turn the node between ready and expired?
    /// (`NodeDisplayState.followsTime`): false for static nodes, nodes of a fleetrouter, and
    /// nodes whose state an operator field or a death mark decides.
    public var followsTime = false

    /// Seconds since the node's last announce as of `now` (what `lastAnnounceAge` is for rows
    /// read at `now`), nil for static nodes.
    public func lastAnnounceAge(at now: FleetInstant) -> Double? {
        lastCheck.map { max(0, now.secondsSinceEpoch - $0) }
    }

    /// The node address.
    public var name: String { id.name }
    /// The subscription key, nil for static nodes.
    public var key: String? { id.key }
    /// True for a static (`--xxx-to`) node.
    public var isStatic: Bool { id.key == nil }

    /// Address, key and state.
    public var searchFields: [String] { [id.name, id.key ?? "", state.label] }

    /// `addr` (`node`), `key` and `state` for `field:pattern` terms.
    public func searchValues(for field: String) -> [String]? {
        switch field {
        case "addr", "address", "node": return [id.name]
        case "key": return id.key.map { [$0] } ?? []
        case "state": return [state.label]
        default: return nil
        }
    }
}

extension RouterEntry {
    /// The router's nodes, static first then by slot in document order, followed by recently
    /// gone nodes; `key` limits them to one subscription key.
    public func nodeRows(key: String? = nil, at now: FleetInstant, tolerance: Double) -> [NodeRow] {
        let flavor = self.flavor ?? .uwsgi
        var rows: [NodeRow] = []
        let present: [(NodeID, GoneNode.LastSeen)]
        if let key {
            // One key's nodes (the key drill-down reads a thousand routers' per tick): only its
            // slots are walked, in document order, as `nodesByID` lists them.
            present = (latest?.subscriptions ?? []).filter { $0.key == key }.flatMap { slot in
                slot.nodes.map { (NodeID(key: slot.key, name: $0.name), GoneNode.LastSeen.subscribed($0)) }
            }
        } else {
            present = latest?.nodesByID ?? []
        }
        let gone = goneNodes.values.filter { key == nil || $0.id.key == key }.sorted { $0.id < $1.id }.map { ($0.id, $0.lastSeen) }
        for (id, value) in present + gone where key == nil || id.key == key {
            let isGone = goneNodes[id] != nil
            var row: NodeRow
            switch value {
            case let .staticNode(node):
                row = NodeRow(
                    id: id, state: NodeDisplayState.of(node), presence: .present, weight: nil,
                    operatorWeight: node.operatorFields.operatorWeight, inFlight: nil, requests: node.hits,
                    requestsPerSecond: nil, failcnt: nil, lastAnnounceAge: nil, tx: nil, rx: nil,
                    backup: nil, history: [])
            case let .subscribed(node):
                row = NodeRow(
                    id: id, state: NodeDisplayState.of(node, flavor: flavor, now: now, tolerance: tolerance),
                    presence: .present, weight: node.weight, operatorWeight: node.operatorFields.operatorWeight,
                    inFlight: node.ref, requests: node.requests, requestsPerSecond: nil, failcnt: node.failcnt,
                    lastAnnounceAge: max(0, now.secondsSinceEpoch - Double(node.lastCheck)),
                    tx: node.tx, rx: node.rx, backup: node.backup, history: [])
                row.lastCheck = Double(node.lastCheck)
                row.followsTime = NodeDisplayState.followsTime(node, flavor: flavor)
            }
            row.presence = presence(of: id) ?? .present
            if !isGone {
                row.requestsPerSecond = rates?.nodeRequestsPerSecond[id]
                row.history = history(of: id)
            }
            rows.append(row)
        }
        return rows
    }
}
