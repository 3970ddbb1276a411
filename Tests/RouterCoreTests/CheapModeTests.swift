import RouterCore
import RouterCoreTesting
import RouterWire
import Testing

@Suite struct CheapModeTests {
    func cheapRouter(fallbacks: [String] = []) throws -> (RouterState, ManualClock) {
        try subscriptionRouter { $0.cheap = true; $0.fallbacks = fallbacks }
    }

    @Test func startsCheapAndLeavesOnFirstSubscription() throws {
        var (router, _) = try cheapRouter()
        #expect(router.isCheap)
        let events = try router.apply(packet("k", "a"))
        #expect(events.last == .cheapLeft)
        #expect(events.last?.logLine(pid: 9) == "[uwsgi-subscription for pid 9] leaving cheap mode...")
        #expect(!router.isCheap)
    }

    @Test func notConfiguredNeverCheap() throws {
        var (router, _) = try subscriptionRouter()
        #expect(!router.isCheap)
        try router.subscribe(packet("k", "a"), packet("k", "a", unsubscribe: true))
        #expect(!router.isCheap)
    }

    @Test func unsubscribeEmptyingTheTableGoesCheap() throws {
        var (router, _) = try cheapRouter()
        try router.subscribe(packet("k", "a"), packet("k", "b"))
        let observed1 = try router.apply(packet("k", "a", unsubscribe: true)).contains(.cheapEntered)
        #expect(observed1 == false)
        let events = try router.apply(packet("k", "b", unsubscribe: true))
        #expect(events.last == .cheapEntered)
        #expect(events.last?.logLine(pid: 1).hasSuffix("no more nodes available. Going cheap...") == true)
        #expect(router.isCheap)
    }

    @Test func backendFailureGoesCheapOnlyWithoutFallbacks() throws {
        var (plain, _) = try cheapRouter()
        try plain.subscribe(packet("k", "a"))
        let observed2 = plain.connectFailed(try plain.mustPick("k")).contains(.cheapEntered)
        #expect(observed2)
        var (withFallbacks, _) = try cheapRouter(fallbacks: ["f"])
        try withFallbacks.subscribe(packet("k", "a"))
        let observed3 = !withFallbacks.connectFailed(try withFallbacks.mustPick("k")).contains(.cheapEntered)
        #expect(observed3)
        #expect(!withFallbacks.isCheap)
    }

    @Test func expirySweepEmptyingTheTableGoesCheap() throws {
        var (router, clock) = try cheapRouter()
        try router.subscribe(packet("k", "a"))
        clock.advance(by: .seconds(18))
        let observed4 = router.expire().last
        #expect(observed4 == .cheapEntered)
    }

    @Test func operatorOnForcesCheapAndSubscriptionsDoNotLeave() throws {
        var (router, _) = try cheapRouter()
        try router.subscribe(packet("k", "a"))
        let observed5 = router.setCheapMode(.on)
        #expect(observed5 == [.cheapEntered])
        let observed6 = try router.apply(packet("k", "b")).contains(.cheapLeft)
        #expect(observed6 == false)
        #expect(router.isCheap)
        #expect(router.setCheapMode(.auto) == [.cheapLeft])  // the table is not empty
    }

    @Test func operatorOffNeverGoesCheap() throws {
        var (router, _) = try cheapRouter()
        let observed7 = router.setCheapMode(.off)
        #expect(observed7 == [.cheapLeft])
        try router.subscribe(packet("k", "a"), packet("k", "a", unsubscribe: true))
        #expect(!router.isCheap)
        #expect(router.setCheapMode(.auto) == [.cheapEntered])  // configured cheap, table empty
    }

    @Test func operatorOnWorksEvenWhenNotConfiguredCheap() throws {
        var (router, _) = try subscriptionRouter()
        let observed8 = router.setCheapMode(.on)
        #expect(observed8 == [.cheapEntered])
        let observed9 = router.setCheapMode(.on).isEmpty
        #expect(observed9)
        let observed10 = router.setCheapMode(.auto)
        #expect(observed10 == [.cheapLeft])
    }

    @Test func stateMachineTransitionsDirectly() {
        var machine = CheapModeStateMachine(configured: true, hasFallbacks: false)
        #expect(machine.isCheap)
        let observed11 = machine.tableEmptied(by: .lookup)
        #expect(observed11 == .none)
        let observed12 = machine.subscriptionAdded()
        #expect(observed12 == .leaveCheap)
        let observed13 = machine.subscriptionAdded()
        #expect(observed13 == .none)
        let observed14 = machine.tableEmptied(by: .clear)
        #expect(observed14 == .enterCheap)
    }

    @Test func lookupOnEmptyTableGoesCheapAgain() throws {
        var (router, _) = try cheapRouter()
        _ = router.setCheapMode(.off)
        _ = router.setCheapMode(.auto)
        try router.subscribe(packet("k", "a"))
        _ = router.clearSubscriptions()
        #expect(router.isCheap)
    }
}
