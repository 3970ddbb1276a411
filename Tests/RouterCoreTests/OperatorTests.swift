import Foundation
import RouterCore
import RouterCoreTesting
import RouterWire
import Testing

@Suite struct DrainTests {
    let target = OperatorTarget(key: "k", address: "a")

    @Test func drainedNodeGetsNoPickWhileInFlightOnesComplete() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"), packet("k", "b"))
        let first = try router.mustPick("k")
        let second = try router.mustPick("k")
        #expect(first.address == "a" && second.address == "b")
        let observed1 = router.setDrain(true, for: target).isEmpty
        #expect(observed1)
        #expect(router.node("k", "a")?.state == .draining)
        let observed2 = router.distribution("k", count: 10)
        #expect(observed2 == ["b": 10])
        let events = router.release(first)
        #expect(events == [.nodeDrained(key: "k", address: "a")])
        #expect(router.node("k", "a")?.state == .drained)
        #expect(router.node("k", "a")?.ref == 0)
    }

    @Test func drainingAnIdleNodeIsImmediatelyDrained() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"))
        let observed3 = router.setDrain(true, for: target)
        #expect(observed3 == [.nodeDrained(key: "k", address: "a")])
        #expect(router.node("k", "a")?.state == .drained)
        let observed4 = router.pick("k")
        #expect(observed4 == nil)
    }

    @Test func drainSurvivesReannounce() throws {
        var (router, clock) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"), packet("k", "b"))
        _ = router.setDrain(true, for: target)
        clock.advance(by: .seconds(10))
        try router.subscribe(packet("k", "a", weight: 5))
        #expect(router.node("k", "a")?.drain == true)
        let observed5 = router.distribution("k", count: 6)
        #expect(observed5 == ["b": 6])
    }

    @Test func drainSurvivesRemovalAndReadd() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"))
        _ = router.setDrain(true, for: target)
        try router.subscribe(packet("k", "a", unsubscribe: true))
        #expect(router.table.isEmpty)
        try router.subscribe(packet("k", "a"))
        #expect(router.node("k", "a")?.state == .drained)
        let observed6 = router.pick("k")
        #expect(observed6 == nil)
    }

    @Test func drainCanBeSetBeforeTheNodeExists() throws {
        var (router, _) = try subscriptionRouter()
        _ = router.setDrain(true, for: target)
        try router.subscribe(packet("k", "a"), packet("k", "b"))
        let observed7 = router.distribution("k", count: 4)
        #expect(observed7 == ["b": 4])
    }

    @Test func undrainRestoresSelection() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"), packet("k", "b"))
        _ = router.setDrain(true, for: target)
        _ = router.setDrain(false, for: target)
        #expect(router.node("k", "a")?.state == .ready)
        let observed8 = router.distribution("k", count: 4)
        #expect(observed8 == ["a": 2, "b": 2])
        #expect(router.operators.overrides.isEmpty)
    }

    @Test func addressWideDrainAppliesUnderEveryKeyUnlessAnExactEntryExists() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"), packet("j", "a"), packet("k", "b"), packet("j", "b"))
        _ = router.setDrain(true, for: OperatorTarget(key: nil, address: "a"))
        _ = try router.setWeight(2, for: OperatorTarget(key: "j", address: "a"))
        #expect(router.node("k", "a")?.drain == true)
        #expect(router.node("j", "a")?.drain == false)  // the exact entry (weight only) wins
        #expect(router.node("j", "a")?.effectiveWeight == 2)
    }

    @Test func drainIsNotDeath() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"))
        _ = router.setDrain(true, for: target)
        let node = try #require(router.node("k", "a"))
        #expect(!node.deathMark && !node.isAlive)
        #expect(router.table.nodeCount == 1)
    }
}

@Suite struct OperatorStateTests {
    @Test func weightZeroIsRefused() throws {
        var (router, _) = try subscriptionRouter()
        #expect(throws: RouterCoreError.invalidWeight(0)) {
            _ = try router.setWeight(0, for: OperatorTarget(key: "k", address: "a"))
        }
    }

    @Test func exportImportRoundTripsThroughJSON() throws {
        var state = OperatorState(cheapMode: .off)
        state.setDrain(true, for: OperatorTarget(key: "k", address: "a"))
        try state.setWeight(4, for: OperatorTarget(key: nil, address: "10.0.0.1:3031"))
        let data = try JSONEncoder().encode(state)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"cheap_mode\":\"off\""))
        let decoded = try JSONDecoder().decode(OperatorState.self, from: data)
        #expect(decoded == state)
    }

    @Test func importRefusesWeightZero() {
        let json = #"{"cheap_mode":"auto","nodes":[{"address":"a","drain":false,"weight":0}]}"#
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(OperatorState.self, from: Data(json.utf8))
        }
    }

    @Test func restoredStateAppliesToNodesAndCheapMode() throws {
        var saved = OperatorState(cheapMode: .on)
        saved.setDrain(true, for: OperatorTarget(key: "k", address: "a"))
        var configuration = RoutingConfiguration()
        configuration.subscriptionServer = true
        var router = try RouterState(configuration: configuration, clock: ManualClock(), operators: saved)
        #expect(router.isCheap)
        try router.subscribe(packet("k", "a"))
        #expect(router.isCheap)  // forced on: a subscription does not leave cheap mode
        #expect(router.node("k", "a")?.state == .drained)
    }

    @Test func replaceOperatorsResyncsNodes() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"))
        var state = OperatorState()
        try state.setWeight(7, for: OperatorTarget(key: "k", address: "a"))
        _ = router.replaceOperators(state)
        #expect(router.node("k", "a")?.effectiveWeight == 7)
        _ = router.replaceOperators(OperatorState())
        #expect(router.node("k", "a")?.effectiveWeight == 1)
    }

    @Test func kickDeathMarksAndUnknownNodeIsATypedError() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"), packet("k", "b"))
        let events = try router.kick(OperatorTarget(key: "k", address: "a"))
        #expect(events.first == .nodeMarkedFailed(key: "k", address: "a", reason: .kicked))
        #expect(router.node("k", "a") == nil)
        #expect(throws: RouterCoreError.unknownNode(key: "k", address: "zz")) {
            _ = try router.kick(OperatorTarget(key: "k", address: "zz"))
        }
    }
}
