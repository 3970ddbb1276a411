import RouterCore
import RouterCoreTesting
import RouterWire
import Testing

@Suite struct StaticNodeTests {
    func router(_ nodes: [String] = ["s1", "s2", "s3"]) throws -> (RouterState, ManualClock) {
        var configuration = RoutingConfiguration()
        configuration.staticNodes = nodes
        let clock = ManualClock()
        return (try RouterState(configuration: configuration, clock: clock), clock)
    }

    @Test func roundRobinInConfigurationOrder() throws {
        var (router, _) = try router()
        let picks = (0..<6).compactMap { _ in router.pick("any")?.address }
        #expect(picks == ["s1", "s2", "s3", "s1", "s2", "s3"])
    }

    @Test func failedNodeIsSkippedUntilGracetimeThenTriedAgain() throws {
        var (router, clock) = try router()
        let first = try router.mustPick("k")
        let observed1 = router.connectFailed(first)
        #expect(observed1 == [.staticNodeFailed(address: "s1")])
        #expect(router.staticNodes.node(address: "s1")?.grace == clock.now())
        let observed2 = router.distribution("k", count: 4)
        #expect(observed2 == ["s2": 2, "s3": 2])
        clock.advance(by: .milliseconds(29_999))
        let observed3 = router.distribution("k", count: 4)["s1"]
        #expect(observed3 == nil)
        clock.advance(by: .milliseconds(1))  // grace + 30 <= now: revived
        var events: [RouterEvent] = []
        var seen: Set<String> = []
        for _ in 0..<3 {
            if let target = router.route(key: "k", client: nil, events: &events) { seen.insert(target.address) }
        }
        #expect(seen == ["s1", "s2", "s3"])
        #expect(events.contains(.staticNodeRevived(address: "s1")))
        #expect(router.staticNodes.node(address: "s1")?.grace == nil)
    }

    @Test func allNodesInGraceMeansNoNode() throws {
        var (router, _) = try router(["only"])
        _ = router.connectFailed(try router.mustPick("k"))
        let observed4 = router.pick("k")
        #expect(observed4 == nil)
    }

    @Test func customGracetime() throws {
        var configuration = RoutingConfiguration()
        configuration.staticNodes = ["only"]
        configuration.gracetime = .seconds(5)
        let clock = ManualClock()
        var router = try RouterState(configuration: configuration, clock: clock)
        _ = router.connectFailed(try router.mustPick("k"))
        clock.advance(by: .seconds(5))
        let observed5 = router.pick("k")?.address
        #expect(observed5 == "only")
    }

    @Test func connectsCountAsHits() throws {
        var (router, _) = try router(["only"])
        let target = try router.mustPick("k")
        router.connected(to: target)
        _ = router.release(target, tx: 10, rx: 20)
        let node = try #require(router.staticNodes.node(address: "only"))
        #expect(node.hits == 1 && node.tx == 10 && node.rx == 20 && node.ref == 0)
    }

    @Test func drainedStaticNodeIsSkippedAndDrains() throws {
        var (router, _) = try router(["s1", "s2"])
        let held = try router.mustPick("k")
        #expect(held.address == "s1")
        _ = router.setDrain(true, for: OperatorTarget(key: nil, address: "s1"))
        #expect(router.staticNodes.node(address: "s1")?.state == .draining)
        let observed6 = router.distribution("k", count: 3)
        #expect(observed6 == ["s2": 3])
        let observed7 = router.release(held)
        #expect(observed7 == [.nodeDrained(key: nil, address: "s1")])
        #expect(router.staticNodes.node(address: "s1")?.state == .drained)
    }

    @Test func operatorWeightsSwitchStaticNodesToSmoothWRR() throws {
        var (router, _) = try router(["s1", "s2"])
        _ = try router.setWeight(3, for: OperatorTarget(key: nil, address: "s1"))
        let observed8 = router.distribution("k", count: 400)
        #expect(observed8 == ["s1": 300, "s2": 100])
    }

    @Test func addAndRemoveAtRuntime() throws {
        var (router, _) = try router(["s1"])
        try router.addStaticNode("s2")
        let observed9 = router.distribution("k", count: 4)
        #expect(observed9 == ["s1": 2, "s2": 2])
        #expect(throws: RouterCoreError.duplicateStaticNode("s2")) { try router.addStaticNode("s2") }
        try router.removeStaticNode("s1")
        let observed10 = router.distribution("k", count: 2)
        #expect(observed10 == ["s2": 2])
        #expect(throws: RouterCoreError.unknownNode(key: nil, address: "s1")) { try router.removeStaticNode("s1") }
    }

    @Test func duplicateConfiguredNodesAreRefused() {
        var configuration = RoutingConfiguration()
        configuration.staticNodes = ["a", "a"]
        #expect(throws: RouterCoreError.duplicateStaticNode("a")) {
            _ = try RouterState(configuration: configuration, clock: ManualClock())
        }
    }
}
