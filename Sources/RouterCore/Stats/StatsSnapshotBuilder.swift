import RouterWire

/// Builds the stats document from a router's policy state.
///
/// uWSGI semantics: `static_nodes` only when static nodes exist, `subscriptions` only when a
/// subscription server is configured, slots by ascending bucket then chain order, `weight` is
/// the announced weight, `last_check`/`grace` are epoch seconds. Differences, by design:
/// `wrr` shows the node's smooth-WRR current credit clamped at 0 (uWSGI shows its remaining
/// round credit; smooth WRR has no rounds), and `operator_weight` shows an override when set.
public enum StatsSnapshotBuilder {
    /// The document for `state` as of now.
    public static func build(
        _ state: RouterState, identity: StatsIdentity, activeSessions: UInt64,
        sessions: [StatsDocument.Session]? = nil
    ) -> StatsDocument {
        let staticNodes: [StatsDocument.StaticNode]?
        if state.staticNodes.isEmpty && state.configuration.staticNodes.isEmpty {
            staticNodes = nil
        } else {
            staticNodes = state.staticNodes.nodes.map(staticEntry)
        }
        let subscriptions = state.configuration.subscriptionServer
            ? state.table.orderedSlots.map { slotEntry($0) }
            : nil
        return StatsDocument(
            version: identity.version, pid: identity.pid, uid: identity.uid, gid: identity.gid,
            cwd: identity.cwd, activeSessions: activeSessions,
            listeners: .init(routerName: identity.routerName, addresses: identity.listeners),
            staticNodes: staticNodes, subscriptions: subscriptions, peers: nil,
            cheap: state.isCheap ? 1 : 0,
            kind: identity.kind, admin: identity.admin, adminRouter: identity.adminRouter, cheapMode: state.effectiveOperators.cheapMode,
            sessions: sessions)
    }

    static func staticEntry(_ node: StaticNode) -> StatsDocument.StaticNode {
        StatsDocument.StaticNode(
            name: node.address, hits: node.hits, grace: node.grace?.epochSeconds ?? 0,
            operatorFields: .init(state: node.state, drain: node.drain ? 1 : 0, operatorWeight: node.operatorWeight))
    }

    static func slotEntry(_ slot: SubscriptionSlot) -> StatsDocument.Slot {
        StatsDocument.Slot(
            key: slot.key.string, hash: UInt64(slot.hash), hits: slot.hits,
            sniEnabled: slot.sniEnabled ? 1 : 0, algo: slot.algorithm?.rawValue,
            nodes: slot.nodes.map(nodeEntry))
    }

    static func nodeEntry(_ node: SubscriptionNode) -> StatsDocument.Node {
        StatsDocument.Node(
            name: node.address, vassal: node.vassal,
            modifier1: UInt64(node.modifier1), modifier2: UInt64(node.modifier2),
            lastCheck: node.lastCheck.epochSeconds, pid: 0, uid: 0, gid: 0,
            requests: node.requests, lastRequests: node.lastRequests, tx: node.tx, rx: node.rx,
            cores: node.cores, load: node.load, weight: node.announcedWeight,
            backup: node.backup, proto: node.proto,
            wrr: node.wrrCurrent > 0 ? UInt64(node.wrrCurrent) : 0,
            ref: node.ref, failcnt: node.failcnt, deathMark: node.deathMark ? 1 : 0,
            operatorFields: .init(state: node.state, drain: node.drain ? 1 : 0, operatorWeight: node.operatorWeight))
    }
}

extension RouterState {
    /// The stats document for this router (see `StatsSnapshotBuilder`).
    public func statsDocument(
        identity: StatsIdentity, activeSessions: UInt64, sessions: [StatsDocument.Session]? = nil
    ) -> StatsDocument {
        StatsSnapshotBuilder.build(self, identity: identity, activeSessions: activeSessions, sessions: sessions)
    }
}
