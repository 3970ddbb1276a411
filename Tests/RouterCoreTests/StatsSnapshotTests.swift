import RouterCore
import RouterCoreTesting
import RouterWire
import Testing

@Suite struct StatsSnapshotTests {
    let identity = StatsIdentity(
        version: "fleetrouter-0.1", pid: 4242, cwd: "/srv", routerName: "http",
        listeners: ["127.0.0.1:8080", "127.0.0.1:7070"], kind: "http", admin: "127.0.0.1:9191")

    @Test func knownTableGivesSlotsByAscendingHash() throws {
        var (router, clock) = try subscriptionRouter()
        try router.subscribe(
            packet("app.local", "127.0.0.1:3031", weight: 3, modifier1: 101, cores: 1),
            packet("example.com", "127.0.0.1:3032"),
            packet("fake.local", "127.0.0.1:3033"))
        let target = try router.mustPick("example.com")
        router.connected(to: target)
        _ = router.release(target, tx: 2142, rx: 2130)
        clock.advance(by: .seconds(2))
        let document = router.statsDocument(identity: identity, activeSessions: 0)
        let slots = try #require(document.subscriptions)
        #expect(slots.map(\.key) == ["fake.local", "example.com", "app.local"])
        #expect(slots.map(\.hash) == [30688, 30778, 52178])
        #expect(document.staticNodes == nil)
        #expect(document.cheap == 0 && document.cheapMode == .auto)
        #expect(document.listeners == .init(routerName: "http", addresses: ["127.0.0.1:8080", "127.0.0.1:7070"]))
        #expect(document.kind == "http" && document.admin == "127.0.0.1:9191")
        let example = slots[1]
        #expect(example.hits == 1 && example.sniEnabled == 0)
        #expect(example.nodes == [StatsDocument.Node(
            name: "127.0.0.1:3032", lastCheck: 1_795_909_250, requests: 1, lastRequests: 1,
            tx: 2142, rx: 2130, weight: 1, wrr: 0, ref: 0, failcnt: 0, deathMark: 0,
            operatorFields: .init(state: .ready, drain: 0, operatorWeight: nil))])
        let app = slots[2].nodes[0]
        #expect(app.modifier1 == 101 && app.weight == 3 && app.cores == 1)
    }

    @Test func operatorFieldsAndDeathAreReported() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a", weight: 2), packet("k", "b"), packet("k", "c"))
        _ = router.setDrain(true, for: OperatorTarget(key: "k", address: "a"))
        _ = try router.setWeight(5, for: OperatorTarget(key: "k", address: "b"))
        let held = try router.mustPick("k")
        #expect(held.address == "b")
        _ = try router.kick(OperatorTarget(key: "k", address: "b"))
        let nodes = try #require(router.statsDocument(identity: identity, activeSessions: 1).subscriptions?.first?.nodes)
        #expect(nodes.map(\.operatorFields.state) == [.drained, .dead, .ready])
        #expect(nodes[0].operatorFields.drain == 1 && nodes[0].weight == 2)
        #expect(nodes[1].operatorFields.operatorWeight == 5 && nodes[1].weight == 1)
        #expect(nodes[1].deathMark == 1 && nodes[1].failcnt == 1 && nodes[1].ref == 1)
    }

    @Test func staticNodesAppearOnlyWhenConfiguredWithGraceInEpochSeconds() throws {
        var configuration = RoutingConfiguration()
        configuration.staticNodes = ["127.0.0.1:3039", "127.0.0.1:3031"]
        let clock = ManualClock(start: RouterInstant(nanosecondsSinceEpoch: 1_795_909_562_700_000_000))
        var router = try RouterState(configuration: configuration, clock: clock)
        _ = router.connectFailed(try router.mustPick("k"))
        let document = router.statsDocument(identity: identity, activeSessions: 0)
        #expect(document.subscriptions == nil)
        #expect(document.staticNodes?.map(\.name) == ["127.0.0.1:3039", "127.0.0.1:3031"])
        #expect(document.staticNodes?.map(\.grace) == [1_795_909_562, 0])
        #expect(document.staticNodes?.first?.operatorFields.state == .dead)
    }

    @Test func emptySubscriptionServerGivesEmptyListAndCheapFlag() throws {
        var (router, _) = try subscriptionRouter { $0.cheap = true }
        let sessions = [StatsDocument.Session(client: "127.0.0.1:5000", key: "k", node: "", age: 1, tx: 0, rx: 0, state: "headers")]
        let document = router.statsDocument(identity: identity, activeSessions: 1, sessions: sessions)
        #expect(document.subscriptions == [])
        #expect(document.cheap == 1)
        #expect(document.sessions == sessions && document.activeSessions == 1)
        _ = router.setCheapMode(.off)
        #expect(router.statsDocument(identity: identity, activeSessions: 0).cheapMode == .off)
    }

    @Test func wrrShowsNonNegativeSmoothCredit() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a", weight: 3), packet("k", "b", weight: 1))
        _ = router.release(try router.mustPick("k"))
        // After one pick: a = 3 - 4 = -1 (shown 0), b = 1.
        let nodes = try #require(router.statsDocument(identity: identity, activeSessions: 0).subscriptions?.first?.nodes)
        #expect(nodes.map(\.wrr) == [0, 1])
    }

    @Test func collidingKeysKeepChainOrderInsideABucket() throws {
        // Find two keys in the same bucket by a bounded, deterministic search.
        var byBucket: [UInt32: String] = [:]
        var pair: (String, String)?
        for index in 0..<200_000 where pair == nil {
            let key = "k\(index)"
            let bucket = SubscriptionHash.bucket(of: RouteKey(key))
            if let other = byBucket[bucket] { pair = (other, key) } else { byBucket[bucket] = key }
        }
        let (first, second) = try #require(pair)
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet(second, "b"), packet(first, "a"))
        var order = router.table.orderedSlots.map(\.key.string)
        #expect(order == [second, first])
        // The later slot gets more hits than the earlier one, then overtakes it on lookup.
        _ = router.pick(RouteKey(first))
        _ = router.pick(RouteKey(first))
        order = router.table.orderedSlots.map(\.key.string)
        #expect(order == [first, second])
    }
}
