import RouterWire
import Testing
@testable import FleetModel
import ThreadTesting

/// The key view's aggregation and drill-down, and the Fleet screen's grouping, over fleets of
/// many routers built here.
@Suite("Fleet-wide keys and grouping", .ownThread)
struct KeyAggregationTests {
    static let t0 = FleetInstant(secondsSinceEpoch: 1_795_909_900)

    /// A fleetrouter node (no uWSGI expiry) in `state`.
    static func node(_ name: String, requests: UInt64 = 0, failcnt: UInt64 = 0,
                     state: StatsDocument.NodeState = .ready) -> StatsDocument.Node {
        StatsDocument.Node(name: name, lastCheck: UInt64(t0.secondsSinceEpoch), requests: requests, failcnt: failcnt,
                           operatorFields: .init(state: state, drain: state == .drained || state == .draining ? 1 : 0))
    }

    /// A fleetrouter document with these keys and nodes.
    static func fleetrouter(_ slots: [(String, [StatsDocument.Node])], sessions: UInt64 = 0) -> StatsDocument {
        StatsDocument(version: "fleetrouter 0.1.0", pid: 1, cwd: "/", activeSessions: sessions,
                      subscriptions: slots.map { StatsDocument.Slot(key: $0.0, hash: 0, nodes: $0.1) },
                      kind: "http", cheapMode: .auto)
    }

    static func endpoint(_ name: String, host: String) -> RouterEndpoint {
        RouterEndpoint(name: name, stats: .tcp(host: "127.0.0.1", port: 1), tags: ["host:\(host)"])
    }

    @Test("a key served by routers with different nodes: routers, node states, requests and failures add up")
    func differentNodes() throws {
        var snapshot = FleetSnapshot(endpoints: [Self.endpoint("a", host: "h1"), Self.endpoint("b", host: "h2")])
        snapshot.recordSuccess(Self.fleetrouter([
            ("app.local", [Self.node("n1", requests: 10, failcnt: 1), Self.node("n2", requests: 5, state: .drained)]),
            ("api.local", [Self.node("n9", requests: 7)]),
        ]), for: "a", at: Self.t0)
        snapshot.recordSuccess(Self.fleetrouter([
            ("app.local", [Self.node("n3", requests: 100, failcnt: 2), Self.node("n4", state: .dead),
                           Self.node("n5", state: .draining)]),
        ]), for: "b", at: Self.t0)
        let aggregates = KeyAggregate.aggregate(snapshot.routerRows(at: Self.t0))
        #expect(aggregates.map(\.key) == ["api.local", "app.local"])
        let app = try #require(aggregates.last)
        #expect(app.routers == 2 && app.okRouters == 2 && app.troubledRouters == 0 && app.goneRouters == 0)
        #expect(app.nodesByState == [.ready: 2, .drained: 1, .dead: 1, .draining: 1])
        #expect(app.nodeCount == 5)
        #expect(app.requests == 115)
        #expect(app.failures == 3)
        #expect(app.requestsPerSecond == nil, "one poll: no rate yet")
        let api = try #require(aggregates.first)
        #expect(api.routers == 1 && api.nodesByState == [.ready: 1] && api.requests == 7)
    }

    @Test("rates per key come from the key's nodes, and add up over routers")
    func rates() throws {
        var snapshot = FleetSnapshot(endpoints: [Self.endpoint("a", host: "h"), Self.endpoint("b", host: "h")])
        for (poll, scale) in [(0, UInt64(1)), (1, 3)] {
            let at = Self.t0 + Double(poll)
            snapshot.recordSuccess(Self.fleetrouter([("app", [Self.node("n1", requests: 10 * scale)]),
                                                     ("api", [Self.node("n2", requests: 1 * scale)])]), for: "a", at: at)
            snapshot.recordSuccess(Self.fleetrouter([("app", [Self.node("n1", requests: 5 * scale)])]), for: "b", at: at)
        }
        let rows = snapshot.routerRows(at: Self.t0 + 1)
        #expect(rows.first?.keyStats.map(\.requestsPerSecond) == [20, 2])
        let app = try #require(KeyAggregate.aggregate(rows).first { $0.key == "app" })
        #expect(app.requestsPerSecond == 30)
    }

    @Test("a gone router is counted apart; a stale router still counts, as troubled")
    func goneAndStale() throws {
        let endpoints = ["a", "b", "c"].map { Self.endpoint($0, host: "h") }
        var snapshot = FleetSnapshot(endpoints: endpoints)
        for endpoint in endpoints {
            snapshot.recordSuccess(Self.fleetrouter([("app", [Self.node("n", requests: 4)])]), for: endpoint.id, at: Self.t0)
        }
        snapshot.setEndpoints(Array(endpoints.prefix(2)), keepingGoneAt: Self.t0 + 1)
        // b answered again at t0 + 9; a's data is from t0, stale at t0 + 10 (3 s window).
        snapshot.recordSuccess(Self.fleetrouter([("app", [Self.node("n", requests: 4)])]), for: "b", at: Self.t0 + 9)
        snapshot.refresh(at: Self.t0 + 10)
        let app = try #require(KeyAggregate.aggregate(snapshot.routerRows(at: Self.t0 + 10)).first)
        #expect(app.routers == 2)
        #expect(app.okRouters == 1 && app.troubledRouters == 1)
        #expect(app.goneRouters == 1)
        #expect(app.nodesByState == [.ready: 2], "the gone router's last nodes are not counted")
        #expect(app.requests == 8)

        let drill = snapshot.keyNodeRows(key: "app", routers: snapshot.routerRows(at: Self.t0 + 10), at: Self.t0 + 10)
        #expect(drill.map(\.router) == ["a", "b", "c"])
        #expect(drill.last?.routerStatus.label == "gone")
    }

    @Test("counters near the top of UInt64 add up pinned at the maximum, without trapping")
    func saturation() throws {
        let huge = UInt64.max - 1
        let endpoints = ["a", "b"].map { Self.endpoint($0, host: "h") }
        var snapshot = FleetSnapshot(endpoints: endpoints)
        for endpoint in endpoints {
            snapshot.recordSuccess(Self.fleetrouter([
                ("app", [Self.node("n1", requests: huge, failcnt: huge), Self.node("n2", requests: huge, failcnt: 3),
                         Self.node("n3", requests: UInt64(Int.max), failcnt: UInt64(Int.max))]),
            ], sessions: huge), for: endpoint.id, at: Self.t0)
        }
        let rows = snapshot.routerRows(at: Self.t0)
        #expect(rows.first?.keyStats.first?.requests == .max)
        let app = try #require(KeyAggregate.aggregate(rows).first)
        #expect(app.requests == .max)
        #expect(app.failures == .max)
        let header = try #require(FleetGrouping.host.lines(for: rows).first?.group)
        #expect(header.activeSessions == .max)
        #expect(UInt64(Int.max).saturatingAdding(UInt64(Int.max)) == UInt64.max - 1)
        #expect(UInt64.max.saturatingAdding(1) == .max)
    }

    @Test("a router listing a key twice is counted once for it")
    func repeatedKey() throws {
        var snapshot = FleetSnapshot(endpoints: [Self.endpoint("a", host: "h")])
        snapshot.recordSuccess(Self.fleetrouter([("app", [Self.node("n1")]), ("app", [Self.node("n2")])]), for: "a", at: Self.t0)
        let rows = snapshot.routerRows(at: Self.t0)
        let app = try #require(KeyAggregate.aggregate(rows).first)
        #expect(app.routers == 1)
        #expect(FleetGrouping.key.lines(for: rows).count == 2, "one header and the router once")
    }

    @Test("real uWSGI nodes of a key expire with time in the key's counts as in the router's")
    func expiry() throws {
        var snapshot = FleetSnapshot(endpoints: [Self.endpoint("u", host: "h")])
        let lastCheck = UInt64(Self.t0.secondsSinceEpoch)
        snapshot.recordSuccess(Docs.uwsgi(slots: [
            ("app.local", 0, [Docs.node("n1", lastCheck: lastCheck), Docs.node("n2", lastCheck: lastCheck - 10)]),
            ("api.local", 0, [Docs.node("n3", lastCheck: lastCheck)]),
        ]), for: "u", at: Self.t0)
        let tolerance = snapshot.configuration.subscriptionTolerance
        let later = Self.t0 + (tolerance - 5)
        let rows = snapshot.routerRows(at: later)
        #expect(rows[0].keyStats.map(\.nodesByState) == [[.ready: 1, .expired: 1], [.ready: 1]])
        #expect(rows[0].nodesByState == [.ready: 2, .expired: 1])
        let entry = try #require(snapshot["u"])
        #expect(RouterRow(entry: entry, at: later, tolerance: tolerance) == rows[0])
    }

    /// `count` routers on `hosts` hosts, router i serving keys i % keys and (i + 1) % keys,
    /// with a node per key that is drained on every fifth router.
    static func fleet(count: Int, hosts: Int, keys: Int) -> FleetSnapshot {
        let endpoints = (0..<count).map { Self.endpoint("r\($0)", host: "host-\($0 % hosts)") }
        var snapshot = FleetSnapshot(endpoints: endpoints)
        for (index, endpoint) in endpoints.enumerated() {
            let slots = [index % keys, (index + 1) % keys].map { key in
                ("key-\(key)", [Self.node("n\(index)", requests: UInt64(index), state: index % 5 == 0 ? .drained : .ready)])
            }
            snapshot.recordSuccess(Self.fleetrouter(slots, sessions: 1), for: endpoint.id, at: Self.t0)
        }
        return snapshot
    }

    @Test("2,000 routers over 10 keys: every router is counted under both of its keys")
    func manyRouters() {
        let snapshot = Self.fleet(count: 2_000, hosts: 7, keys: 10)
        let aggregates = KeyAggregate.aggregate(snapshot.routerRows(at: Self.t0))
        #expect(aggregates.count == 10)
        #expect(aggregates.allSatisfy { $0.routers == 400 })
        #expect(aggregates.map(\.routers).reduce(0, +) == 4_000)
        #expect(aggregates.map(\.nodeCount).reduce(0, +) == 4_000)
        #expect(aggregates.map { $0.nodesByState[.drained] ?? 0 }.reduce(0, +) == 800)
        // Router i adds i to both of its keys.
        #expect(aggregates.map(\.requests).reduce(0, +) == UInt64(2 * (0..<2_000).reduce(0, +)))
    }

    @Test("grouped by host: one header per host in name order, counts over its routers, its routers after it")
    func groupByHost() throws {
        var snapshot = Self.fleet(count: 30, hosts: 3, keys: 4)
        snapshot.recordFailure("refused", for: "r0", at: Self.t0 + 1)
        snapshot.refresh(at: Self.t0 + 10)
        snapshot.recordSuccess(Self.fleetrouter([]), for: "r3", at: Self.t0 + 10)
        let rows = snapshot.routerRows(at: Self.t0 + 10)
        let lines = FleetGrouping.host.lines(for: rows)
        #expect(lines.count == 33)
        let headers = lines.compactMap(\.group)
        #expect(headers.map(\.name) == ["host-0", "host-1", "host-2"])
        let first = headers[0]
        #expect(first.routers == 10 && first.ok == 1 && first.troubled == 9, "r3 answered again; the rest went stale")
        #expect(first.activeSessions == 9, "one session on each but r3, whose new document has none")
        #expect(lines[1].router?.id == "r0" && lines[2].router?.id == "r3")
        #expect(lines[11].group?.name == "host-1")

        let collapsed = FleetGrouping.host.lines(for: rows, collapsed: ["host-1"])
        #expect(collapsed.count == 23)
        #expect(collapsed[11].group?.collapsed == true && collapsed[12].group?.name == "host-2")
        #expect(FleetGrouping.none.lines(for: rows).compactMap(\.router) == rows)
    }

    @Test("grouped by key: a router under each key it serves, key-level node counts, routers without keys last")
    func groupByKey() throws {
        var snapshot = FleetSnapshot(endpoints: ["a", "b", "c"].map { Self.endpoint($0, host: "h") })
        snapshot.recordSuccess(Self.fleetrouter([("zeta", [Self.node("n1")]), ("alpha", [Self.node("n2", state: .dead)])]),
                               for: "a", at: Self.t0)
        snapshot.recordSuccess(Self.fleetrouter([("alpha", [Self.node("n3"), Self.node("n4")])]), for: "b", at: Self.t0)
        snapshot.recordSuccess(Self.fleetrouter([]), for: "c", at: Self.t0)
        let lines = FleetGrouping.key.lines(for: snapshot.routerRows(at: Self.t0))
        let names = lines.map { $0.group.map { "[\($0.title)]" } ?? $0.router?.name ?? "?" }
        #expect(names == ["[alpha]", "a", "b", "[zeta]", "a", "[(no keys)]", "c"])
        let alpha = try #require(lines.first?.group)
        #expect(alpha.routers == 2 && alpha.nodesByState == [.ready: 2, .dead: 1], "the key's nodes, not the routers'")
        #expect(lines[3].group?.nodesByState == [.ready: 1])
        #expect(FleetGrouping.none.next == .host && FleetGrouping.host.next == .key && FleetGrouping.key.next == .none)
    }

    @Test("the drill-down lists each serving router's nodes under the key, and a router with the key but no nodes")
    func drillDown() throws {
        var snapshot = FleetSnapshot(endpoints: ["a", "b", "c"].map { Self.endpoint($0, host: "h") })
        snapshot.recordSuccess(Self.fleetrouter([("app", [Self.node("n1"), Self.node("n2", state: .drained)])]), for: "a", at: Self.t0)
        snapshot.recordSuccess(Self.fleetrouter([("app", [])]), for: "b", at: Self.t0)
        snapshot.recordSuccess(Self.fleetrouter([("api", [Self.node("n9")])]), for: "c", at: Self.t0)
        let rows = snapshot.keyNodeRows(key: "app", routers: snapshot.routerRows(at: Self.t0), at: Self.t0)
        #expect(rows.map(\.id) == [.init(router: "a", node: "n1"), .init(router: "a", node: "n2"), .init(router: "b", node: nil)])
        #expect(rows.map { $0.node?.state } == [.ready, .drained, nil])
        #expect(TextFilter("state:drained").apply(to: rows).map(\.id.node) == ["n2"])
        #expect(TableSort(KeyNodeColumn.state, .descending).apply(to: rows).first?.node?.name == "n2")
    }
}

extension KeyAggregationTests {
    @Test("a router with 40 keys, each listed twice, is under each key once when grouped")
    func manyRepeatedKeys() {
        var snapshot = FleetSnapshot(endpoints: [Self.endpoint("a", host: "h")])
        let slots = (0..<80).map { ("key-\($0 % 40)", [Self.node("n\($0)")]) }
        snapshot.recordSuccess(Self.fleetrouter(slots), for: "a", at: Self.t0)
        let rows = snapshot.routerRows(at: Self.t0)
        let lines = FleetGrouping.key.lines(for: rows)
        #expect(lines.count == 80, "40 headers and the router once under each")
        #expect(lines.compactMap(\.group).allSatisfy { $0.routers == 1 && $0.nodesByState == [.ready: 1] })
        #expect(KeyAggregate.aggregate(rows).allSatisfy { $0.routers == 1 && $0.nodeCount == 1 })
    }
}
