import RouterCore
import RouterCoreTesting
import Testing

@Suite struct RoutingSessionTests {
    @Test func connectThenCloseReleasesAndCounts() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"))
        var session = RoutingSessionStateMachine()
        var events: [RouterEvent] = []
        let action = session.keyReceived("k", client: nil, router: &router, events: &events)
        guard case .connect(let target) = action else { Issue.record("expected connect, got \(action)"); return }
        #expect(router.node("k", "a")?.ref == 1)
        session.connected(router: &router)
        #expect(session.state == .connected(target))
        session.closed(tx: 100, rx: 50, router: &router, events: &events)
        let node = try #require(router.node("k", "a"))
        #expect(node.ref == 0 && node.requests == 1 && node.lastRequests == 1 && node.tx == 100 && node.rx == 50)
    }

    @Test func noKeyAndNoNodeGiveUpWith503() throws {
        var (router, _) = try subscriptionRouter()
        var events: [RouterEvent] = []
        var first = RoutingSessionStateMachine()
        let observed1 = first.keyReceived(nil, client: nil, router: &router, events: &events)
        #expect(observed1 == .giveUp(.noKey))
        var second = RoutingSessionStateMachine()
        let observed2 = second.keyReceived("", client: nil, router: &router, events: &events)
        #expect(observed2 == .giveUp(.noKey))
        var third = RoutingSessionStateMachine()
        let observed3 = third.keyReceived("nobody", client: nil, router: &router, events: &events)
        #expect(observed3 == .giveUp(.noNode))
        #expect(GiveUpReason.noNode.httpStatus == 503 && GiveUpReason.retriesExhausted.httpStatus == 502)
        #expect(router.counters.noKey == 2 && router.counters.noNode == 1)
    }

    @Test func retriesStopAtMaxRetriesWithFourAttempts() throws {
        var (router, _) = try subscriptionRouter()
        for port in 1...6 { try router.subscribe(packet("k", "n\(port)")) }
        var session = RoutingSessionStateMachine()
        var events: [RouterEvent] = []
        var action = session.keyReceived("k", client: nil, router: &router, events: &events)
        var tried: [String] = []
        for _ in 0..<10 {
            guard case .connect(let target) = action else { break }
            tried.append(target.address)
            action = session.connectFailed(router: &router, events: &events)
        }
        #expect(action == .giveUp(.retriesExhausted))
        #expect(session.attempts == 4 && tried.count == 4 && Set(tried).count == 4)
        #expect(router.table.slot(for: "k")?.nodes.count == 2)  // the 4 failed nodes are gone
        #expect(router.counters.retries == 3 && router.counters.connectFailures == 4)
    }

    @Test func customMaxRetries() throws {
        var (router, _) = try subscriptionRouter { $0.maxRetries = 1 }
        for port in 1...4 { try router.subscribe(packet("k", "n\(port)")) }
        var session = RoutingSessionStateMachine()
        var events: [RouterEvent] = []
        _ = session.keyReceived("k", client: nil, router: &router, events: &events)
        let observed4 = session.connectFailed(router: &router, events: &events)
        #expect(observed4 != .giveUp(.retriesExhausted))
        let observed5 = session.connectFailed(router: &router, events: &events)
        #expect(observed5 == .giveUp(.retriesExhausted))
        #expect(session.attempts == 2)
    }

    @Test func mapperRetryGivesUpWhenNoOtherNodeIsLeft() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "only"))
        var session = RoutingSessionStateMachine()
        var events: [RouterEvent] = []
        _ = session.keyReceived("k", client: nil, router: &router, events: &events)
        let observed6 = session.connectFailed(router: &router, events: &events)
        #expect(observed6 == .giveUp(.retriesExhausted))
        #expect(events.contains(.nodeMarkedFailed(key: "k", address: "only", reason: .connectFailed)))
        #expect(router.table.isEmpty)
    }

    @Test func retriesGoToFallbacksInOrderNeverToOtherPoolNodes() throws {
        var (router, _) = try subscriptionRouter { $0.fallbacks = ["f1", "f2"] }
        try router.subscribe(packet("k", "a"), packet("k", "b"))
        var session = RoutingSessionStateMachine()
        var events: [RouterEvent] = []
        let first = session.keyReceived("k", client: nil, router: &router, events: &events)
        #expect(first == .connect(RouteTarget(address: "a", modifier1: 0, modifier2: 0, origin: .subscription(key: "k"))))
        let second = session.connectFailed(router: &router, events: &events)
        #expect(second == .connect(RouteTarget(address: "f1", origin: .fallback(index: 0))))
        let third = session.connectFailed(router: &router, events: &events)
        #expect(third == .connect(RouteTarget(address: "f2", origin: .fallback(index: 1))))
        let observed7 = session.connectFailed(router: &router, events: &events)
        #expect(observed7 == .giveUp(.retriesExhausted))
        #expect(session.attempts == 3)
        #expect(router.node("k", "b")?.requests == 0 && router.node("k", "b")?.ref == 0)
    }

    @Test func fallbacksAreCutByMaxRetries() throws {
        var (router, _) = try subscriptionRouter { $0.fallbacks = ["f1", "f2", "f3", "f4", "f5"] }
        try router.subscribe(packet("k", "a"))
        var session = RoutingSessionStateMachine()
        var events: [RouterEvent] = []
        var action = session.keyReceived("k", client: nil, router: &router, events: &events)
        var tried: [String] = []
        for _ in 0..<10 {
            guard case .connect(let target) = action else { break }
            tried.append(target.address)
            action = session.connectFailed(router: &router, events: &events)
        }
        #expect(tried == ["a", "f1", "f2", "f3"])
    }

    @Test func fallbackOnNoKeyUsesTheFallbackList() throws {
        var (router, _) = try subscriptionRouter { $0.fallbacks = ["f1", "f2"]; $0.fallbackOnNoKey = true }
        var session = RoutingSessionStateMachine()
        var events: [RouterEvent] = []
        let observed8 = session.keyReceived(nil, client: nil, router: &router, events: &events)
        #expect(observed8 == .connect(RouteTarget(address: "f1", origin: .fallback(index: 0))))
        let observed9 = session.connectFailed(router: &router, events: &events)
        #expect(observed9 == .connect(RouteTarget(address: "f2", origin: .fallback(index: 1))))
    }

    @Test func afterConnectNothingRetriesAndErrorsDoNotMark() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"), packet("k", "b"))
        var session = RoutingSessionStateMachine()
        var events: [RouterEvent] = []
        _ = session.keyReceived("k", client: nil, router: &router, events: &events)
        session.connected(router: &router)
        let observed10 = session.connectFailed(router: &router, events: &events)
        #expect(observed10 == RoutingSessionStateMachine.Action.none)
        session.closed(router: &router, events: &events)
        #expect(router.node("k", "a")?.deathMark == false && router.node("k", "a")?.failcnt == 0)
        #expect(session.state == .closed)
    }

    @Test func closedBeforeResponseMarksTheNodeAndRetriesAnother() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"), packet("k", "b"))
        var session = RoutingSessionStateMachine()
        var events: [RouterEvent] = []
        guard case .connect(let first) = session.keyReceived("k", client: nil, router: &router, events: &events) else {
            Issue.record("expected a connect"); return
        }
        // Not applicable before the connect completed: that is connectFailed's case.
        #expect(session.closedBeforeResponse(router: &router, events: &events) == .none)
        session.connected(router: &router)
        let retry = session.closedBeforeResponse(router: &router, events: &events)
        guard case .connect(let second) = retry else { Issue.record("expected a retry, got \(retry)"); return }
        #expect(second.address != first.address)
        // Death-marked and, holding no session any more, removed from the table.
        #expect(router.node("k", first.address)?.deathMark ?? true)
        #expect(router.counters.retries == 1)
        session.connected(router: &router)
        session.closed(router: &router, events: &events)
        #expect(router.node("k", second.address)?.ref == 0)
    }

    @Test func staticNodeFailureSetsGraceAndRetriesNextStatic() throws {
        var configuration = RoutingConfiguration()
        configuration.staticNodes = ["s1", "s2"]
        let clock = ManualClock()
        var router = try RouterState(configuration: configuration, clock: clock)
        var session = RoutingSessionStateMachine()
        var events: [RouterEvent] = []
        _ = session.keyReceived("k", client: nil, router: &router, events: &events)
        let observed11 = session.connectFailed(router: &router, events: &events)
        #expect(observed11 == .connect(RouteTarget(address: "s2", origin: .staticNode)))
        #expect(router.staticNodes.node(address: "s1")?.grace?.epochSeconds == clock.now().epochSeconds)
    }
}
