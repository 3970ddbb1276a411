import RouterCore
import RouterCoreTesting
import Testing

/// Replicas of one router's state, one per routing thread: a failure seen by one is told to
/// the others (`markFailed`), and their counters fold into one view (`folding`).
@Suite struct ReplicaTests {
    /// Two replicas that took the same subscriptions.
    func replicas(_ nodes: [String]) throws -> (RouterState, RouterState) {
        var (first, _) = try subscriptionRouter()
        for address in nodes { try first.subscribe(packet("k", address)) }
        var (second, _) = try subscriptionRouter()
        for address in nodes { try second.subscribe(packet("k", address)) }
        return (first, second)
    }

    @Test func markFailedDeathMarksWithoutReleasingOrCounting() throws {
        var (worker, other) = try replicas(["a", "b"])
        var events: [RouterEvent] = []
        var session = RoutingSessionStateMachine()
        guard case .connect(let target) = session.keyReceived("k", client: nil, router: &worker, events: &events) else {
            Issue.record("expected a node")
            return
        }
        // The other replica holds the same node in a session of its own.
        let held = try other.mustPick("k")
        #expect(held.address == target.address)
        _ = session.connectFailed(router: &worker, events: &events)
        let told = other.markFailed(target)
        #expect(told == [.nodeMarkedFailed(key: "k", address: target.address, reason: .connectFailed)])
        let node = try #require(other.node("k", target.address))
        #expect(node.deathMark && node.failcnt == 1 && node.ref == 1)
        #expect(other.counters.connectFailures == 0)
        // No new session of the other replica gets the dead node; its release removes it.
        for _ in 0..<4 { #expect(try other.mustPick("k").address != target.address) }
        let removed = other.release(held)
        #expect(removed.contains(.nodeRemoved(key: "k", address: target.address)))
        #expect(other.node("k", target.address) == nil)
    }

    @Test func markFailedRemovesAnUnheldNodeAndEmptiesACheapTable() throws {
        var (replica, _) = try subscriptionRouter { $0.cheap = true }
        try replica.subscribe(packet("k", "a"))
        #expect(!replica.isCheap)
        let events = replica.markFailed(RouteTarget(address: "a", origin: .subscription(key: "k")))
        #expect(events.contains(.nodeRemoved(key: "k", address: "a")) && events.last == .cheapEntered)
        #expect(replica.table.isEmpty && replica.isCheap)
        // Targets that name no node of the table change nothing.
        #expect(replica.markFailed(RouteTarget(address: "a", origin: .computed)).isEmpty)
    }

    @Test func foldingAddsEveryReplicasSessionFigures() throws {
        var (first, second) = try replicas(["a", "b"])
        for _ in 0..<3 {
            let target = try first.mustPick("k")
            first.connected(to: target)
            _ = first.release(target, tx: 10, rx: 1)
        }
        let inFlight = try second.mustPick("k")
        second.connected(to: inFlight)
        #expect(second.pick("nobody") == nil)
        let folded = first.folding([second])
        #expect(folded.counters.lookups == 5 && folded.counters.connects == 4)
        let nodes = try #require(folded.table.slot(for: "k")?.nodes)
        #expect(nodes.reduce(0) { $0 + $1.requests } == 4)
        #expect(nodes.reduce(0) { $0 + $1.tx } == 30 && nodes.reduce(0) { $0 + $1.rx } == 3)
        #expect(nodes.reduce(0) { $0 + $1.ref } == 1)
        #expect(folded.table.slot(for: "k")?.hits == 4)
        // Neither replica changed.
        #expect(first.counters.connects == 3 && second.counters.connects == 1)
    }

    @Test func foldingListsANodeOnlyAnotherReplicaStillHolds() throws {
        var (first, second) = try replicas(["a"])
        let held = try second.mustPick("k")
        _ = first.markFailed(held)
        _ = second.markFailed(held)
        #expect(first.table.isEmpty)
        let folded = first.folding([second])
        let node = try #require(folded.table.slot(for: "k")?.node(address: "a"))
        #expect(node.deathMark && node.ref == 1)
    }

    @Test func foldingAddsStaticNodeFigures() throws {
        var configuration = RoutingConfiguration()
        configuration.staticNodes = ["127.0.0.1:1", "127.0.0.1:2"]
        var first = try RouterState(configuration: configuration, clock: ManualClock())
        var second = try RouterState(configuration: configuration, clock: ManualClock())
        for _ in 0..<2 {
            let finished = try first.mustPick("k")
            first.connected(to: finished)
            _ = first.release(finished, tx: 5)
            // The second replica's sessions stay in flight.
            second.connected(to: try second.mustPick("k"))
        }
        let folded = first.folding([second])
        #expect(folded.staticNodes.nodes.map(\.hits) == [2, 2])
        #expect(folded.staticNodes.nodes.map(\.ref) == [1, 1])
        #expect(folded.staticNodes.nodes.reduce(0) { $0 + $1.tx } == 10)
        #expect(folded.counters.connects == 4)
        // A static node's failure on one replica starts its grace on another.
        let failed = RouteTarget(address: "127.0.0.1:1", origin: .staticNode)
        #expect(first.markFailed(failed) == [.staticNodeFailed(address: "127.0.0.1:1")])
        #expect(first.staticNodes.nodes[0].grace != nil)
    }
}
