import FleetModelTesting
import Testing
import RouterWire
@testable import FleetModel

@Suite struct CapabilityTests {
    private let fleetEndpoint = CannedFleets.endpoints[0]
    private let uwsgiEndpoint = CannedFleets.endpoints[1]
    private let node = NodeRef(key: "app.local", address: "127.0.0.1:13031")

    @Test func fleetrouterTakesEveryEdit() {
        let caps = RouterCapabilities(document: CannedFleets.fleetrouterHTTP(), endpoint: fleetEndpoint, readOnly: false)
        #expect(caps.flavor == .fleetrouter)
        for availability in [caps.drain, caps.undrain, caps.kick, caps.setWeight, caps.clearWeight, caps.cheap] {
            #expect(availability == .available)
        }
        #expect(caps.availability(of: .drain(NodeRef(address: "static:1"))) == .available)
    }

    @Test func fleetrouterWithoutAdminAPIIsReadOnlyWithAReason() {
        var document = CannedFleets.fleetrouterHTTP()
        document.admin = nil
        let endpoint = RouterEndpoint(name: "x", stats: .tcp(host: "127.0.0.1", port: 1))
        let caps = RouterCapabilities(document: document, endpoint: endpoint, readOnly: false)
        #expect(caps.flavor == .fleetrouter)
        #expect(caps.drain == .unavailable(reason: RouterCapabilities.Reason.noAdmin))
    }

    @Test func uwsgiRouterWithSubscriptionServer() {
        let caps = RouterCapabilities(document: CannedFleets.uwsgiHTTPAfterRequests(), endpoint: uwsgiEndpoint, readOnly: false)
        #expect(caps.flavor == .uwsgi)
        #expect(caps.kick == .temporary(reason: RouterCapabilities.Reason.uwsgiKickTemporary))
        #expect(caps.setWeight == .temporary(reason: RouterCapabilities.Reason.uwsgiWeightTemporary))
        #expect(caps.drain == .unavailable(reason: RouterCapabilities.Reason.uwsgiDrain))
        #expect(caps.undrain.isUsable == false)
        #expect(caps.clearWeight.isUsable == false)
        #expect(caps.cheap == .unavailable(reason: "uWSGI cannot toggle cheap mode at runtime"))
        #expect(caps.availability(of: .kick(node)).isUsable)
        #expect(caps.availability(of: .setWeight(NodeRef(address: "127.0.0.1:3039"), 3))
            == .unavailable(reason: RouterCapabilities.Reason.uwsgiStaticNode))
    }

    @Test func uwsgiRouterWithoutSubscriptionServerSaysWhereToSetIt() {
        let endpoint = RouterEndpoint(name: "u", stats: .tcp(host: "127.0.0.1", port: 19191))
        let caps = RouterCapabilities(document: CannedFleets.uwsgiHTTPAfterRequests(), endpoint: endpoint, readOnly: false)
        #expect(caps.kick == .unavailable(reason: RouterCapabilities.Reason.noSubscriptionServer))
        #expect(caps.kick.reason?.contains("subscription_server") == true)
        #expect(caps.setWeight.isUsable == false)
    }

    @Test func readOnlyDisablesEverything() {
        for (document, endpoint) in [(CannedFleets.fleetrouterHTTP(), fleetEndpoint), (CannedFleets.uwsgiHTTPAfterRequests(), uwsgiEndpoint)] {
            let caps = RouterCapabilities(document: document, endpoint: endpoint, readOnly: true)
            for edit in [FleetEdit.drain(node), .undrain(node), .kick(node), .setWeight(node, 2), .clearWeight(node), .setCheap(.on)] {
                #expect(caps.availability(of: edit) == .unavailable(reason: "read-only"))
            }
        }
    }

    @Test func neverPolledRouterHasNothing() {
        let caps = RouterCapabilities(document: nil, endpoint: fleetEndpoint, readOnly: false)
        #expect(caps.flavor == nil)
        #expect(caps.cheap == .unavailable(reason: RouterCapabilities.Reason.notPolled))
    }

    @Test func flavorFromFleettopKeys() {
        var document = CannedFleets.uwsgiHTTPAfterRequests()
        #expect(RouterFlavor(document: document) == .uwsgi)
        document.kind = "http"
        #expect(RouterFlavor(document: document) == .fleetrouter)
    }
}

@Suite struct NodeStateTests {
    private let now = FleetInstant(secondsSinceEpoch: 1_000)

    @Test func fleettopStateWins() {
        var node = Docs.node("n", lastCheck: 0, deathMark: 1)
        node.operatorFields.state = .draining
        #expect(NodeDisplayState.of(node, flavor: .fleetrouter, now: now, tolerance: 17) == .draining)
    }

    @Test func drainFlagWithoutStateUsesRef() {
        var node = Docs.node("n", lastCheck: 1_000, ref: 2)
        node.operatorFields.drain = 1
        #expect(NodeDisplayState.of(node, flavor: .fleetrouter, now: now, tolerance: 17) == .draining)
        node.ref = 0
        #expect(NodeDisplayState.of(node, flavor: .fleetrouter, now: now, tolerance: 17) == .drained)
    }

    @Test func uwsgiKeys() {
        #expect(NodeDisplayState.of(Docs.node("n", lastCheck: 995), flavor: .uwsgi, now: now, tolerance: 17) == .ready)
        #expect(NodeDisplayState.of(Docs.node("n", lastCheck: 995, ref: 2, deathMark: 1), flavor: .uwsgi, now: now, tolerance: 17) == .dead)
    }

    @Test func uwsgiNodeNotAnnouncedWithinToleranceLooksExpired() {
        let node = Docs.node("n", lastCheck: 983)
        #expect(NodeDisplayState.of(node, flavor: .uwsgi, now: now, tolerance: 17) == .ready)
        let older = Docs.node("n", lastCheck: 982)
        #expect(NodeDisplayState.of(older, flavor: .uwsgi, now: now, tolerance: 17) == .expired)
        #expect(NodeDisplayState.expired.label == "expired?")
        // fleetrouter expires nodes itself, so an old last_check there is not a suspicion.
        #expect(NodeDisplayState.of(older, flavor: .fleetrouter, now: now, tolerance: 17) == .ready)
    }

    @Test func staticNodes() {
        #expect(NodeDisplayState.of(StatsDocument.StaticNode(name: "s", grace: 0)) == .ready)
        #expect(NodeDisplayState.of(StatsDocument.StaticNode(name: "s", grace: 1_795_909_562)) == .dead)
    }

    @Test func routerRowCountsNodesByState() throws {
        let snapshot = CannedFleets.snapshot()
        let rows = snapshot.routerRows(at: FleetInstant(secondsSinceEpoch: CannedFleets.epoch + 1))
        #expect(rows.map(\.name) == ["edge-http", "legacy-uwsgi", "edge-down"])
        #expect(rows[0].nodesByState == [.ready: 5, .draining: 1])
        #expect(rows[0].kind == "http")
        #expect(rows[1].nodesByState == [.ready: 3])
        #expect(rows[1].flavor == .uwsgi)
        #expect(rows[2].status == .unreachable(error: CannedFleets.unreachableError))
        #expect(rows[2].kind == "-")
        // 20 s later the uWSGI nodes have not re-announced: expired?, not dead.
        let later = snapshot.routerRows(at: FleetInstant(secondsSinceEpoch: CannedFleets.epoch + 20))
        #expect(later[1].nodesByState == [.expired: 3])
    }
}
