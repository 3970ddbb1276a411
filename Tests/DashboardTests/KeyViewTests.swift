@testable import Dashboard
import FleetModel
import FleetModelTesting
import RouterWire
import TUICore
import TUICoreTesting
import Foundation
import Testing
import ThreadTesting

/// The Fleet screen's grouping (`b`) and the fleet-wide key view (`K`, F3) with its drill-down.
@Suite("Grouping and the key view", .ownThread)
struct KeyViewTests {
    /// The canned fleet with edge-http and edge-down on host web-1, legacy-uwsgi on db-1.
    static func hostedSnapshot() -> FleetSnapshot {
        var endpoints = CannedFleets.endpoints
        for index in endpoints.indices {
            endpoints[index].tags.append(endpoints[index].id == CannedFleets.uwsgiID ? "host:db-1" : "host:web-1")
        }
        var snapshot = CannedFleets.snapshot()
        snapshot.setEndpoints(endpoints)
        return snapshot
    }

    /// `count` fleetrouters on 10 hosts, router i serving 10 of 100 keys (`key-(i + k * 10) % 100`)
    /// with two nodes each, one drained on every seventh router; two polls one second apart.
    static func largeSnapshot(count: Int) -> FleetSnapshot {
        let endpoints = (0..<count).map { index in
            RouterEndpoint(name: "router-\(index)", stats: .tcp(host: "127.0.0.1", port: UInt16(20_000 + index)),
                           tags: ["host:host-\(index % 10)"])
        }
        var snapshot = FleetSnapshot(endpoints: endpoints)
        for poll in 0..<2 {
            for (index, endpoint) in endpoints.enumerated() {
                let slots = (0..<10).map { k in
                    let nodes = (0..<2).map { n in
                        let drained = n == 1 && index % 7 == 0
                        return StatsDocument.Node(
                            name: "10.0.\(k).\(n + 1):3031", lastCheck: UInt64(CannedFleets.epoch),
                            requests: UInt64((index + k + n) * (poll + 1)), failcnt: UInt64(n),
                            operatorFields: .init(state: drained ? .drained : .ready, drain: drained ? 1 : 0))
                    }
                    return StatsDocument.Slot(key: "key-\((index + k * 10) % 100)", hash: 0, nodes: nodes)
                }
                let document = StatsDocument(version: "fleetrouter 0.1.0", pid: 1, cwd: "/", activeSessions: 1,
                                             subscriptions: slots, kind: "http", cheapMode: .auto)
                snapshot.recordSuccess(document, for: endpoint.id,
                                       at: FleetInstant(secondsSinceEpoch: CannedFleets.epoch + Double(poll)))
            }
        }
        return snapshot
    }

    @Test("b cycles none → host → key → none; headers count routers, health and nodes; the selection stays on its router")
    func grouping() throws {
        var state = cannedState(snapshot: Self.hostedSnapshot())
        state.fleetTable.selected = state.fleetRows.firstIndex { $0.id == CannedFleets.uwsgiID }
        press(.char("b"), state: &state)
        #expect(state.fleetGrouping == .host)
        let names = state.fleetLines.map { $0.group.map { "[\($0.name)]" } ?? $0.router?.name ?? "?" }
        #expect(names == ["[db-1]", "legacy-uwsgi", "[web-1]", "edge-down", "edge-http"])
        #expect(state.selectedFleetRow?.id == CannedFleets.uwsgiID)
        let web = try #require(state.fleetLines[2].group)
        #expect(web.routers == 2 && web.ok == 1 && web.troubled == 1)
        #expect(state.status?.text.contains("grouped by host") == true)

        press(.char("b"), state: &state)
        #expect(state.fleetGrouping == .key)
        let keyHeaders = state.fleetLines.compactMap(\.group).map(\.title)
        #expect(keyHeaders == ["api.example.com", "app.example.com", "app.local", "(no keys)"])
        #expect(state.selectedFleetRow?.id == CannedFleets.uwsgiID)

        press(.char("b"), state: &state)
        #expect(state.fleetGrouping == .none)
        #expect(state.fleetLines.compactMap(\.router) == state.fleetRows)
        #expect(state.selectedFleetRow?.id == CannedFleets.uwsgiID)
    }

    @Test("Enter on a group header folds and unfolds it; Enter on a router still opens it")
    func folding() {
        var state = cannedState(snapshot: Self.hostedSnapshot())
        press(.char("b"), state: &state)
        state.fleetTable.selected = 2
        #expect(state.selectedFleetLine?.group?.name == "web-1")
        press(.enter, state: &state)
        #expect(state.screen == .fleet)
        #expect(state.fleetLines.count == 3)
        #expect(state.fleetLines[2].group?.collapsed == true)
        #expect(state.selectedFleetLine?.group?.name == "web-1", "the selection stays on the header")
        #expect(draw(state).text.contains("▸ web-1"))
        press(.enter, state: &state)
        #expect(state.fleetLines.count == 5)
        press(.up, .enter, state: &state)
        #expect(state.screen == .router(CannedFleets.uwsgiID))
    }

    @Test("80×24 grouped by host: header rows with counts in the table's columns, routers under them")
    func groupedRender() throws {
        var state = cannedState(snapshot: Self.hostedSnapshot())
        press(.char("b"), state: &state)
        let backend = draw(state)
        if ProcessInfoProbe.dump { print(backend.text) }
        #expect(backend.line(1).hasPrefix("NAME"))
        #expect(backend.line(2).hasPrefix("▾ db-1"), "\(backend.line(2))")
        #expect(backend.line(2).contains("1/1 ok") && backend.line(2).contains("3✓ 0⇣ 0✗"), "\(backend.line(2))")
        #expect(backend.line(3).hasPrefix("legacy-uwsgi"))
        let web = backend.line(4)
        #expect(web.hasPrefix("▾ web-1") && web.contains("1/2 ok") && web.contains("5✓ 1⇣ 0✗"), "\(web)")
        #expect(backend.line(5).hasPrefix("edge-down") && backend.line(6).hasPrefix("edge-http"))
        let healthColumn = try #require(column(of: "HEALTH", row: 1, in: backend))
        #expect(column(of: "1/2 ok", row: 4, in: backend) == healthColumn)
        #expect(backend.style(x: 0, y: 4)?.role == ThemeRole.title.styleRole)
        #expect(backend.style(x: healthColumn, y: 4)?.role == ThemeRole.unreachable.styleRole, "a group with a router down")
        #expect(backend.line(23).contains("Group"), "b is in the function bar at 80 columns: \(backend.line(23))")
    }

    @Test("grouped in monochrome and ASCII: headers are bold and marked with -/+")
    func groupedMonochrome() throws {
        var state = DashboardState(snapshot: Self.hostedSnapshot(), size: Size(width: 80, height: 24), now: cannedNow,
                                   options: .init(ascii: true), themes: [BuiltinThemes.monochrome])
        press(.char("b"), state: &state)
        state.fleetTable.selected = 1
        let backend = draw(state)
        #expect(backend.line(2).hasPrefix("- db-1"))
        #expect(backend.line(2).contains("3ok 0dr 0x"))
        #expect(backend.style(x: 0, y: 2)?.attributes.contains(.bold) == true)
        #expect(backend.style(x: 0, y: 3)?.attributes.contains(.reverse) == true, "the selected router")
        state.fleetTable.selected = 0
        press(.enter, state: &state)
        #expect(draw(state).line(2).hasPrefix("+ db-1"))
    }

    @Test("K opens the key view, Enter a key's routers and nodes, Enter a router on that key and node; Esc walks back")
    func navigation() throws {
        var state = cannedState()
        press(.char("K"), state: &state)
        #expect(state.screen == .keys)
        #expect(state.fleetKeyRows.map(\.key) == ["api.example.com", "app.example.com", "app.local"])
        press(.down, .enter, state: &state)
        #expect(state.screen == .key("app.example.com"))
        #expect(state.keyNodeRows.map(\.id.node) == ["127.0.0.1:3031", "127.0.0.1:3032", "127.0.0.1:3033"])
        press(.down, .enter, state: &state)
        #expect(state.screen == .router(CannedFleets.fleetrouterID))
        #expect(state.selectedKeyRow?.key == "app.example.com")
        #expect(state.selectedNodeRow?.name == "127.0.0.1:3032")
        press(.escape, state: &state)
        #expect(state.screen == .key("app.example.com"))
        #expect(state.selectedKeyNodeRow?.id.node == "127.0.0.1:3032")
        press(.escape, state: &state)
        #expect(state.screen == .keys)
        #expect(state.selectedFleetKey?.key == "app.example.com")
        press(.escape, state: &state)
        #expect(state.screen == .fleet)
        press(.function(3), state: &state)
        #expect(state.screen == .keys, "F3 opens it too")
    }

    @Test("80×24 key view: title, columns, one row per key with routers, nodes by state, requests and rate")
    func keyViewRender() throws {
        var state = cannedState(snapshot: sharedNodeSnapshot())
        press(.char("K"), state: &state)
        let backend = draw(state)
        if ProcessInfoProbe.dump { print(backend.text) }
        #expect(backend.line(0).contains("Fleet › Keys"))
        #expect(backend.line(1).hasPrefix("3 keys over 3 routers"), "\(backend.line(1))")
        let header = backend.line(2)
        for title in ["KEY", "ROUTERS", "NODES", "REQUESTS", "REQ/S", "FAIL"] { #expect(header.contains(title), "\(header)") }
        let app = try #require(row(containing: "app.example.com", in: backend))
        #expect(backend.line(app).contains("2/2 ok"), "served by both fleetrouters: \(backend.line(app))")
        #expect(backend.line(app).contains("4✓ 2⇣ 0✗"), "\(backend.line(app))")
        #expect(backend.line(app).contains("2460"), "1,230 requests on each: \(backend.line(app))")
        let local = try #require(row(containing: "app.local", in: backend))
        #expect(backend.line(local).contains("1/1 ok") && backend.line(local).contains("3✓ 0⇣ 0✗"))
        #expect(backend.style(x: column(of: "4✓", row: app, in: backend) ?? 0, y: app)?.role == ThemeRole.draining.styleRole)
        #expect(backend.line(23).contains("F1Help") && backend.line(23).contains("F10Quit"))
        #expect(!backend.line(23).contains("Group"), "grouping is the Fleet screen's")
    }

    @Test("80×24 drill-down: the key's totals, then each router's nodes with their state; a down router's numbers dimmed")
    func drillDownRender() throws {
        var state = cannedState(snapshot: sharedNodeSnapshot())
        press(.char("K"), state: &state)
        state.fleetKeyTable.selected = state.fleetKeyRows.firstIndex { $0.key == "app.example.com" }
        press(.enter, state: &state)
        let backend = draw(state)
        if ProcessInfoProbe.dump { print(backend.text) }
        #expect(backend.line(0).contains("Fleet › Keys › app.example.com"))
        #expect(backend.line(1).hasPrefix("app.example.com  routers 2/2 ok · nodes 4✓ 2⇣ 0✗ · - req/s · 0 fail · 24"),
                "the total comes last and is what 80 columns cut: \(backend.line(1))")
        #expect(draw(state.resized(120)).line(1).contains("· 0 fail · 2460 requests"))
        #expect(backend.line(2).hasPrefix("Enter opens the router"))
        #expect(backend.line(3).hasPrefix("ROUTER") && backend.line(3).contains("NODE") && backend.line(3).contains("STATE"))
        #expect(backend.line(4).hasPrefix("edge-http ") && backend.line(4).contains("127.0.0.1:3031"), "\(backend.line(4))")
        let draining = backend.lines.filter { $0.contains("127.0.0.1:3032") }
        #expect(draining.count == 2 && draining.allSatisfy { $0.contains("draining") }, "on both routers: \(draining)")
        #expect(backend.lines.filter { $0.hasPrefix("edge-http-2 ") }.count == 3)
        let stateColumn = try #require(column(of: "STATE", row: 3, in: backend))
        let y = try #require(row(containing: "127.0.0.1:3032", in: backend))
        #expect(backend.style(x: stateColumn, y: y)?.role == ThemeRole.draining.styleRole)
    }

    @Test("the key view follows the Fleet filter, and its own filter narrows the keys")
    func filters() {
        var state = cannedState()
        press(.char("/"), state: &state)
        type("key:app.local", state: &state)
        press(.enter, .char("K"), state: &state)
        #expect(state.fleetKeyRows.map(\.key) == ["app.local"])
        #expect(draw(state).line(1).contains("over 1 router (Fleet filter 'key:app.local')"))
        press(.escape, state: &state)
        #expect(state.screen == .fleet && !state.fleetFilter.isEmpty, "Esc on the key view went back; the Fleet filter stays")
        press(.escape, state: &state)
        #expect(state.fleetFilter.isEmpty)
        press(.char("K"), .char("/"), state: &state)
        type("api", state: &state)
        press(.enter, state: &state)
        #expect(state.fleetKeyRows.map(\.key) == ["api.example.com"])
        #expect(draw(state).line(1).contains("3 keys over 3 routers, 1 shown"))
        press(.enter, .char("/"), state: &state)
        type("state:ready -node:4042", state: &state)
        press(.enter, state: &state)
        #expect(state.keyNodeRows.map(\.id.node) == ["127.0.0.1:4041", "127.0.0.1:4043"])
    }

    @Test("sorting the key view keeps the selected key; a new snapshot keeps it too")
    func sortAndRefresh() {
        var state = cannedState(snapshot: sharedNodeSnapshot())
        press(.char("K"), .down, state: &state)
        #expect(state.selectedFleetKey?.key == "app.example.com")
        press(.char("s"), state: &state)
        #expect(state.fleetKeyRows.map(\.key) == ["app.local", "app.example.com", "api.example.com"])
        #expect(state.selectedFleetKey?.key == "app.example.com")
        _ = update(state: &state, event: .snapshotUpdated(CannedFleets.snapshot()))
        #expect(state.selectedFleetKey?.key == "app.example.com")
        #expect(state.fleetKeyRows.first { $0.key == "app.example.com" }?.routers == 1)
    }

    @Test("1,000 routers × 10 keys at 80×24: 100 keys of 100 routers each, aggregated once for many frames; the drill-down pages")
    func largeFleet() throws {
        var state = DashboardState(snapshot: Self.largeSnapshot(count: 1_000), size: Size(width: 80, height: 24),
                                   now: FleetInstant(secondsSinceEpoch: CannedFleets.epoch + 1))
        press(.char("K"), state: &state)
        #expect(state.fleetKeyRows.count == 100)
        #expect(state.fleetKeyRows.allSatisfy { $0.routers == 100 && $0.nodeCount == 200 })
        let drained = state.fleetKeyRows.map { $0.nodesByState[.drained] ?? 0 }.reduce(0, +)
        #expect(drained == 1_430, "143 routers (every seventh) × 10 keys")
        for _ in 0..<5 {
            press(.pageDown, state: &state)
            _ = draw(state)
        }
        let backend = draw(state)
        if ProcessInfoProbe.dump { print(backend.text) }
        #expect(backend.line(1).hasPrefix("100 keys over 1000 routers"))
        #expect(row(containing: "100/100 ok", in: backend) != nil)
        press(.home, .enter, state: &state)
        #expect(state.screen == .key("key-0"))
        #expect(state.keyNodeRows.count == 200)
        press(.end, state: &state)
        let last = draw(state)
        #expect(last.text.contains("10.0."), "the last page lists nodes")
        #expect(state.selectedKeyNodeRow == state.keyNodeRows.last)

        press(.escape, .escape, .char("b"), .char("b"), state: &state)
        #expect(state.fleetGrouping == .key)
        #expect(state.fleetLines.count == 100 + 10_000)
        let header = try #require(state.fleetLines.first?.group)
        #expect(header.routers == 100 && header.nodesByState.values.reduce(0, +) == 200)
        #expect(draw(state).line(2).hasPrefix("▾ key key-0"))
    }

    @Test("the aggregation runs once per snapshot, not per frame or key press")
    func aggregatedOnce() {
        var state = cannedState(snapshot: sharedNodeSnapshot())
        press(.char("K"), state: &state)
        let cacheBefore = state.fleetKeyAggregates
        for _ in 0..<3 {
            press(.down, state: &state)
            _ = draw(state)
        }
        _ = update(state: &state, event: .tick(cannedNow + 0.5))
        #expect(state.fleetKeyAggregates == cacheBefore)
        #expect(state.rowCache.cache.aggregations == 1)
    }
}

extension KeyViewTests {
    @Test("drill-down of a stale router: health says so, its request numbers are dimmed, the state is not")
    func staleRouterDrillDown() throws {
        var state = cannedState()
        _ = update(state: &state, event: .tick(cannedNow + 12))
        press(.char("K"), .down, .enter, state: &state)
        #expect(state.screen == .key("app.example.com"))
        let backend = draw(state)
        if ProcessInfoProbe.dump { print(backend.text) }
        let y = try #require(row(containing: "127.0.0.1:3031", in: backend))
        #expect(backend.line(y).contains("stale 12s"), "\(backend.line(y))")
        let reqs = try #require(column(of: "REQS", row: 3, in: backend))
        #expect(backend.style(x: reqs + 3, y: y + 1)?.role == ThemeRole.dimmed.styleRole)
        let stateColumn = try #require(column(of: "STATE", row: 3, in: backend))
        #expect(backend.style(x: stateColumn, y: y + 1)?.role == ThemeRole.draining.styleRole)
        #expect(backend.line(1).contains("routers 0/1 ok"), "\(backend.line(1))")
    }
}

extension DashboardState {
    /// The same state on a terminal `width` columns wide and 40 rows high.
    func resized(_ width: Int) -> DashboardState {
        var state = self
        state.size = Size(width: width, height: 40)
        return state
    }
}

/// Set `DUMP_FRAMES=1` to print frames of these tests (for looking at them, not for checking).
enum ProcessInfoProbe {
    static var dump: Bool { ProcessInfo.processInfo.environment["DUMP_FRAMES"] == "1" }
}

extension KeyViewTests {
    @Test("grouped by key, a router listed under two keys stays selected under the one chosen when a new snapshot arrives")
    func selectionUnderItsGroup() throws {
        var state = cannedState(snapshot: sharedNodeSnapshot())
        press(.char("b"), .char("b"), state: &state)
        #expect(state.fleetGrouping == .key)
        // edge-http serves api.example.com and app.example.com: pick it under the second.
        let lines = state.fleetLines
        let app = try #require(lines.firstIndex { $0.group?.name == "app.example.com" })
        let index = try #require(lines[app...].firstIndex { $0.router?.id == CannedFleets.fleetrouterID })
        #expect(lines[..<app].contains { $0.router?.id == CannedFleets.fleetrouterID }, "listed under api.example.com too")
        state.fleetTable.selected = index
        var next = sharedNodeSnapshot()
        next.recordSuccess(CannedFleets.fleetrouterHTTP(requestsScale: 2), for: CannedFleets.fleetrouterID, at: cannedNow)
        _ = update(state: &state, event: .snapshotUpdated(next))
        #expect(state.fleetTable.selected == index)
        // Folding its group leaves the selection on the header.
        state.fleetTable.selected = app
        press(.enter, state: &state)
        state.fleetTable.selected = app
        #expect(state.selectedFleetLine?.group?.collapsed == true)
        press(.char("s"), state: &state)
        #expect(state.selectedFleetLine?.group?.name == "app.example.com")
    }
}

extension KeyViewTests {
    @Test("a key whose only router leaves the registry: counted as gone, its row says gone; once dropped, the screen says no router serves it")
    func keyOfGoneRouter() throws {
        var state = cannedState()
        press(.char("K"), state: &state)
        state.fleetKeyTable.selected = state.fleetKeyRows.firstIndex { $0.key == "app.local" }
        press(.enter, state: &state)
        #expect(state.screen == .key("app.local"))
        var snapshot = state.snapshot
        snapshot.setEndpoints(CannedFleets.endpoints.filter { $0.id != CannedFleets.uwsgiID }, keepingGoneAt: cannedNow)
        _ = update(state: &state, event: .snapshotUpdated(snapshot))
        let aggregate = try #require(state.drilledKeyAggregate)
        #expect(aggregate.routers == 0 && aggregate.goneRouters == 1 && aggregate.nodeCount == 0)
        var backend = draw(state)
        #expect(backend.line(1).contains("routers 0/0 ok +1 gone"), "\(backend.line(1))")
        let y = try #require(row(containing: "legacy-uwsgi", in: backend))
        #expect(backend.line(y).contains(" gone "), "\(backend.line(y))")

        _ = update(state: &state, event: .tick(cannedNow + 61))
        #expect(state.snapshot[CannedFleets.uwsgiID] == nil)
        #expect(state.screen == .key("app.local"))
        backend = draw(state)
        #expect(backend.line(1).contains("no router shown serves this key now"))
        #expect(backend.text.contains("no router shown serves app.local"))
    }
}
