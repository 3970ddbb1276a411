import RouterCore
import RouterCoreTesting
import Testing

@Suite struct ExpiryTests {
    @Test func nodeIsAliveAt16_9AndDeadJustPast17Seconds() throws {
        var (router, clock) = try subscriptionRouter()
        try router.subscribe(packet("k", "a:1"))
        clock.advance(by: .milliseconds(16_900))
        let observed1 = router.expire().isEmpty
        #expect(observed1)
        clock.advance(by: .milliseconds(100))  // exactly 17 s: not yet "> tolerance"
        let observed2 = router.expire().isEmpty
        #expect(observed2)
        #expect(router.node("k", "a:1")?.deathMark == false)
        clock.advance(by: .milliseconds(1))
        let events = router.expire()
        #expect(events.first == .nodeMarkedFailed(key: "k", address: "a:1", reason: .expired(toleranceSeconds: 17)))
        #expect(events.first?.logLine(pid: 3).hasSuffix("marking a:1 as failed (no announce received in 17 seconds)") == true)
        #expect(router.table.isEmpty)
    }

    @Test func reannounceResetsTheTolerance() throws {
        var (router, clock) = try subscriptionRouter()
        try router.subscribe(packet("k", "a:1"))
        clock.advance(by: .seconds(10))
        try router.subscribe(packet("k", "a:1"))
        clock.advance(by: .seconds(10))
        let observed3 = router.expire().isEmpty
        #expect(observed3)
        let observed4 = router.pick("k")?.address
        #expect(observed4 == "a:1")
    }

    @Test func sweepMarksHeldNodesButKeepsThemUntilRelease() throws {
        var (router, clock) = try subscriptionRouter()
        try router.subscribe(packet("k", "a:1"))
        let target = try router.mustPick("k")
        clock.advance(by: .seconds(18))
        _ = router.expire()
        let node = try #require(router.node("k", "a:1"))
        #expect(node.deathMark && node.failcnt == 1 && node.ref == 1)
        // A second sweep does not count the same expiry again (uWSGI counts once per lookup).
        _ = router.expire()
        #expect(router.node("k", "a:1")?.failcnt == 1)
        _ = router.release(target)
        #expect(router.table.isEmpty)
    }

    @Test func lookupExpiresTheSlotsNodesToo() throws {
        var (router, clock) = try subscriptionRouter()
        try router.subscribe(packet("k", "a:1"), packet("k", "b:2"))
        clock.advance(by: .seconds(10))
        try router.subscribe(packet("k", "b:2"))
        clock.advance(by: .seconds(8))
        var events: [RouterEvent] = []
        let target = router.route(key: "k", client: nil, events: &events)
        #expect(target?.address == "b:2")
        #expect(events.contains(.nodeRemoved(key: "k", address: "a:1")))
    }

    @Test func customToleranceApplies() throws {
        var (router, clock) = try subscriptionRouter { $0.tolerance = .seconds(5) }
        try router.subscribe(packet("k", "a:1"))
        clock.advance(by: .seconds(5))
        let observed5 = router.expire().isEmpty
        #expect(observed5)
        clock.advance(by: .milliseconds(1))
        let observed6 = !router.expire().isEmpty
        #expect(observed6)
    }
}
