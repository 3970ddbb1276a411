import RouterCore
import RouterCoreTesting
import RouterWire
import Testing

/// The fleet intent layer over a router's own operator state.
@Suite struct FleetIntentLayerTests {
    let wide = OperatorTarget(key: nil, address: "a")
    let exact = OperatorTarget(key: "k", address: "a")

    @Test func drainsUnionWeightsAndCheapModeFromTheIntentWin() throws {
        var local = OperatorState(cheapMode: .off)
        try local.setWeight(3, for: wide)
        var intent = OperatorState(cheapMode: .on)
        intent.setDrain(true, for: wide)
        try intent.setWeight(9, for: OperatorTarget(key: nil, address: "b"))
        let merged = local.layered(under: intent)
        #expect(merged.overrides[wide] == NodeOverride(drain: true, weight: 3))
        #expect(merged.overrides[OperatorTarget(key: nil, address: "b")]?.weight == 9)
        #expect(merged.cheapMode == .on)
        #expect(local.layered(under: OperatorState()) == local)
        #expect(local.layered(under: OperatorState(cheapMode: .auto, overrides: [:])).cheapMode == .off)
    }

    @Test func anAddressWideIntentHoldsUnderALocalExactEntry() throws {
        var local = OperatorState()
        try local.setWeight(2, for: exact)
        var intent = OperatorState()
        intent.setDrain(true, for: wide)
        let merged = local.layered(under: intent)
        #expect(merged.override(key: RouteKey("k"), address: "a") == NodeOverride(drain: true, weight: 2))
    }

    @Test func intentDrainsTheNodeAndClearingItGivesTheRoutersOwnStateBack() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"), packet("k", "b"))
        var intent = OperatorState()
        intent.setDrain(true, for: wide)
        let events = router.replaceFleetIntent(intent)
        #expect(events == [.nodeDrained(key: "k", address: "a")])
        #expect(router.distribution("k", count: 4) == ["b": 4])
        // The router's own state (what the state file keeps) does not hold the intent.
        #expect(router.operators == OperatorState())
        _ = router.replaceFleetIntent(OperatorState())
        #expect(router.node("k", "a")?.drain == false)
        #expect(router.distribution("k", count: 4) == ["a": 2, "b": 2])
    }

    @Test func aLocalDrainOutlivesTheClearedIntent() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"), packet("k", "b"))
        _ = router.setDrain(true, for: exact)
        var intent = OperatorState()
        intent.setDrain(true, for: wide)
        _ = router.replaceFleetIntent(intent)
        _ = router.replaceFleetIntent(OperatorState())
        #expect(router.node("k", "a")?.drain == true)
    }

    @Test func nodesSubscribingLaterGetTheIntent() throws {
        var (router, _) = try subscriptionRouter()
        var intent = OperatorState()
        try intent.setWeight(7, for: wide)
        _ = router.replaceFleetIntent(intent)
        try router.subscribe(packet("k", "a"))
        #expect(router.node("k", "a")?.effectiveWeight == 7)
    }

    @Test func anIntentCheapModeHoldsOverTheRoutersOwnAndLeavesWithIt() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"))
        _ = router.setCheapMode(.off)
        _ = router.replaceFleetIntent(OperatorState(cheapMode: .on))
        #expect(router.isCheap)
        _ = router.setCheapMode(.off)
        #expect(router.isCheap)
        _ = router.replaceFleetIntent(OperatorState())
        #expect(!router.isCheap)
    }
}
