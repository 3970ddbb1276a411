import RouterWire
import Testing
@testable import FleetModel

/// The key view's aggregates worked out with the snapshot (off the UI thread) must be what adding
/// up the rows gives, however the snapshot changes afterwards: a router's new document drops
/// them, a change of health or a gone router leaving the table is applied to them, and uWSGI's
/// expiry is applied when they are read.
@Suite("Key aggregates prepared with the snapshot")
struct PreparedKeyAggregatesTests {
    static let t0 = KeyAggregationTests.t0

    /// What the key view would add up over the rows as of `now`.
    static func expected(_ snapshot: FleetSnapshot, at now: FleetInstant) -> [KeyAggregate] {
        KeyAggregate.aggregate(snapshot.routerRows(at: now))
    }

    /// `snapshot` with its aggregates prepared.
    static func prepared(_ snapshot: FleetSnapshot) -> FleetSnapshot {
        var snapshot = snapshot
        snapshot.prepareKeyAggregates()
        return snapshot
    }

    @Test("prepared, they are those of the rows: routers, health, nodes, counters and rates", arguments: [1, 7, 120])
    func sameAsRows(routers: Int) {
        let snapshot = Self.prepared(KeyNumberingTests.fleet(routers: routers))
        #expect(snapshot.hasPreparedKeyAggregates)
        let aggregates = snapshot.keyAggregates(at: Self.t0 + 1)
        #expect(aggregates == Self.expected(snapshot, at: Self.t0 + 1))
        #expect(aggregates.allSatisfy { $0.requestsPerSecond != nil && $0.requests > 0 })
        #expect(aggregates.map(\.routers).reduce(0, +) == 3 * routers, "three keys per router")
    }

    @Test("unprepared, they are added up from the rows; preparing twice changes nothing")
    func unprepared() {
        var snapshot = KeyNumberingTests.fleet(routers: 30)
        #expect(!snapshot.hasPreparedKeyAggregates)
        let added = snapshot.keyAggregates(at: Self.t0 + 1)
        #expect(added == Self.expected(snapshot, at: Self.t0 + 1))
        snapshot.prepareKeyAggregates()
        let version = snapshot.version
        snapshot.prepareKeyAggregates()
        #expect(snapshot.version == version, "preparing is not a change of the snapshot")
        #expect(snapshot.keyAggregates(at: Self.t0 + 1) == added)
        #expect(snapshot == KeyNumberingTests.fleet(routers: 30), "they take no part in equality")
    }

    @Test("one router's new document drops them; prepared again they follow its keys")
    func routerChanges() throws {
        var snapshot = Self.prepared(KeyNumberingTests.fleet(routers: 12))
        let before = snapshot.keyAggregates(at: Self.t0 + 2)
        // r3 now serves a key of its own and no longer its three shared ones, with a failing node.
        snapshot.recordSuccess(KeyAggregationTests.fleetrouter([("solo.local", [KeyAggregationTests.node("n", requests: 9, failcnt: 2, state: .dead)])]),
                               for: "r3", at: Self.t0 + 2)
        #expect(!snapshot.hasPreparedKeyAggregates)
        let unprepared = snapshot.keyAggregates(at: Self.t0 + 2)
        #expect(unprepared == Self.expected(snapshot, at: Self.t0 + 2))
        #expect(unprepared != before)
        snapshot.prepareKeyAggregates()
        let after = snapshot.keyAggregates(at: Self.t0 + 2)
        #expect(after == unprepared)
        let solo = try #require(after.first { $0.key == "solo.local" })
        #expect(solo.routers == 1 && solo.nodesByState == [.dead: 1] && solo.failures == 2)
        #expect(after.filter { $0.key != "solo.local" }.map(\.routers).reduce(0, +) == 3 * 11)

        // A failed poll and an unchanged document: dropped, and equal again once prepared.
        snapshot.recordFailure("refused", for: "r4", at: Self.t0 + 3)
        #expect(!snapshot.hasPreparedKeyAggregates)
        snapshot.prepareKeyAggregates()
        #expect(snapshot.keyAggregates(at: Self.t0 + 3) == Self.expected(snapshot, at: Self.t0 + 3))
    }

    @Test("routers going stale as time passes are applied to them, not dropped; their numbers still count")
    func healthChanges() throws {
        var snapshot = Self.prepared(KeyNumberingTests.fleet(routers: 14))
        // r0…r6 answer again at t0 + 3; the others' data is from t0 + 1, stale after t0 + 4.
        for router in 0..<7 {
            snapshot.recordUnchanged(for: RouterID("r\(router)"), at: Self.t0 + 3)
        }
        snapshot.prepareKeyAggregates()
        let fresh = snapshot.keyAggregates(at: Self.t0 + 3)
        #expect(fresh.allSatisfy { $0.troubledRouters == 0 && $0.okRouters == $0.routers })
        snapshot.refresh(at: Self.t0 + 5)
        #expect(snapshot.hasPreparedKeyAggregates, "a change of health is applied, not worked out again")
        let stale = snapshot.keyAggregates(at: Self.t0 + 5)
        #expect(stale == Self.expected(snapshot, at: Self.t0 + 5))
        #expect(stale.map(\.troubledRouters).reduce(0, +) == 7 * 3)
        #expect(stale.map(\.requests) == fresh.map(\.requests))
        // r7 answers again (which drops them; prepared again, they agree), then all go stale.
        snapshot.recordUnchanged(for: "r7", at: Self.t0 + 6)
        snapshot.prepareKeyAggregates()
        snapshot.refresh(at: Self.t0 + 9.5)
        #expect(snapshot.hasPreparedKeyAggregates)
        let later = snapshot.keyAggregates(at: Self.t0 + 9.5)
        #expect(later == Self.expected(snapshot, at: Self.t0 + 9.5))
        #expect(later.allSatisfy { $0.okRouters == 0 }, "every router is stale by now")
    }

    @Test("a router the registry drops counts as gone, and leaves them when it leaves the table, its own key too")
    func goneRouter() throws {
        let endpoints = ["a", "b", "c"].map { KeyAggregationTests.endpoint($0, host: "h") }
        var snapshot = FleetSnapshot(endpoints: endpoints)
        snapshot.recordSuccess(KeyAggregationTests.fleetrouter([("app", [KeyAggregationTests.node("n1", requests: 4)]), ("c-only", [KeyAggregationTests.node("n2")])]),
                               for: "c", at: Self.t0)
        for id in ["a", "b"] {
            snapshot.recordSuccess(KeyAggregationTests.fleetrouter([("app", [KeyAggregationTests.node("n1", requests: 4)])]), for: RouterID(id), at: Self.t0)
        }
        snapshot.setEndpoints(Array(endpoints.prefix(2)), keepingGoneAt: Self.t0 + 1)
        snapshot.prepareKeyAggregates()
        let gone = snapshot.keyAggregates(at: Self.t0 + 1)
        #expect(gone == Self.expected(snapshot, at: Self.t0 + 1))
        #expect(gone.map(\.key) == ["app", "c-only"])
        #expect(gone.first?.goneRouters == 1 && gone.first?.routers == 2)
        #expect(gone.last?.goneRouters == 1 && gone.last?.routers == 0)

        // Past the retention c leaves the table; a and b go stale at the same refresh.
        let later = Self.t0 + 1 + snapshot.configuration.goneRouterRetention + 1
        snapshot.refresh(at: later)
        #expect(snapshot["c"] == nil)
        #expect(snapshot.hasPreparedKeyAggregates)
        let left = snapshot.keyAggregates(at: later)
        #expect(left == Self.expected(snapshot, at: later))
        #expect(left.map(\.key) == ["app"], "no router lists c-only any more")
        #expect(left.first?.goneRouters == 0 && left.first?.troubledRouters == 2)

        // The registry lists c again: it is back with its keys (its entry was dropped: unpolled).
        snapshot.setEndpoints(endpoints, keepingGoneAt: later)
        #expect(!snapshot.hasPreparedKeyAggregates)
        snapshot.prepareKeyAggregates()
        #expect(snapshot.keyAggregates(at: later) == Self.expected(snapshot, at: later))
    }

    @Test("a router removed from the fleet file drops them; prepared again they no longer count it")
    func removedRouter() {
        var snapshot = Self.prepared(KeyNumberingTests.fleet(routers: 9))
        snapshot.setEndpoints(snapshot.entries.dropLast().map(\.endpoint))
        #expect(!snapshot.hasPreparedKeyAggregates)
        snapshot.prepareKeyAggregates()
        let aggregates = snapshot.keyAggregates(at: Self.t0 + 1)
        #expect(aggregates == Self.expected(snapshot, at: Self.t0 + 1))
        #expect(aggregates.map(\.routers).reduce(0, +) == 3 * 8)
    }

    @Test("uWSGI nodes that expire after they were prepared are moved to expired? when read, a key listed twice once")
    func expiry() throws {
        var snapshot = FleetSnapshot(endpoints: ["u", "v", "f"].map { KeyAggregationTests.endpoint($0, host: "h") })
        let lastCheck = UInt64(Self.t0.secondsSinceEpoch)
        snapshot.recordSuccess(Docs.uwsgi(slots: [
            ("app.local", 0, [Docs.node("n1", lastCheck: lastCheck), Docs.node("n2", lastCheck: lastCheck - 10)]),
            ("api.local", 0, [Docs.node("n3", lastCheck: lastCheck - 10)]),
            ("app.local", 0, [Docs.node("n4", lastCheck: lastCheck - 10)]),
        ]), for: "u", at: Self.t0)
        snapshot.recordSuccess(Docs.uwsgi(slots: [("app.local", 0, [Docs.node("n5", lastCheck: lastCheck - 10)])]),
                               for: "v", at: Self.t0)
        snapshot.recordSuccess(KeyAggregationTests.fleetrouter([("app.local", [KeyAggregationTests.node("n6")])]), for: "f", at: Self.t0)
        snapshot.prepareKeyAggregates()
        let tolerance = snapshot.configuration.subscriptionTolerance
        for now in [Self.t0, Self.t0 + (tolerance - 9), Self.t0 + (tolerance - 5), Self.t0 + tolerance + 1] {
            let aggregates = snapshot.keyAggregates(at: now)
            #expect(aggregates == Self.expected(snapshot, at: now), "at t0 + \(now - Self.t0)")
        }
        let app = try #require(snapshot.keyAggregates(at: Self.t0 + (tolerance - 5)).first { $0.key == "app.local" })
        #expect(app.nodesByState == [.ready: 2, .expired: 2], "n2 and n5 expired; u's second app.local not counted")
        let late = try #require(snapshot.keyAggregates(at: Self.t0 + tolerance + 1).first { $0.key == "app.local" })
        #expect(late.nodesByState == [.ready: 1, .expired: 3])
        #expect(snapshot.hasPreparedKeyAggregates, "reading them changes nothing")
    }

    @Test("a router listing 40 keys twice counts once per key as its nodes expire and it goes stale")
    func manyRepeatedKeys() throws {
        var snapshot = FleetSnapshot(endpoints: ["u", "f"].map { KeyAggregationTests.endpoint($0, host: "h") })
        let lastCheck = UInt64(Self.t0.secondsSinceEpoch)
        // The second listing of each key has other nodes, some expiring sooner: it must not count.
        let slots = (0..<80).map { slot -> (String, UInt64, [StatsDocument.Node]) in
            let age = slot < 40 ? UInt64(slot % 20) : 15
            return ("key-\(slot % 40)", 0, [Docs.node("n\(slot)", lastCheck: lastCheck - age)])
        }
        snapshot.recordSuccess(Docs.uwsgi(slots: slots), for: "u", at: Self.t0)
        snapshot.recordSuccess(KeyAggregationTests.fleetrouter([("key-0", [KeyAggregationTests.node("n")])]), for: "f", at: Self.t0 + 4)
        snapshot.prepareKeyAggregates()
        // u goes stale after t0 + 3, f after t0 + 7.
        for now in [Self.t0, Self.t0 + 3, Self.t0 + 5, Self.t0 + 8] {
            snapshot.refresh(at: now)
            #expect(snapshot.hasPreparedKeyAggregates)
            let aggregates = snapshot.keyAggregates(at: now)
            #expect(aggregates == Self.expected(snapshot, at: now), "at t0 + \(now - Self.t0)")
            guard now == Self.t0 + 5 else { continue }
            #expect(aggregates.count == 40 && aggregates.allSatisfy { $0.nodeCount == ($0.key == "key-0" ? 2 : 1) })
            #expect(aggregates.map { $0.nodesByState[.expired] ?? 0 }.reduce(0, +) == 14,
                    "first listings 13…19 and 33…39 are older than 17 s")
            let first = try #require(aggregates.first { $0.key == "key-0" })
            #expect(first.troubledRouters == 1 && first.okRouters == 1)
        }
    }

    @Test("keys served by routers of two numberings (rows of another snapshot) add up by name")
    func mixedNumberings() {
        let numbered = KeyNumberingTests.fleet(routers: 6).routerRows(at: Self.t0 + 1)
        let other = KeyNumberingTests.fleet(routers: 4).routerRows(at: Self.t0 + 1)
        let unnumbered = KeyNumberingTests.unnumbered(KeyNumberingTests.fleet(routers: 5))
        let mixed = KeyAggregate.aggregate(unnumbered + numbered + other)
        #expect(mixed == KeyAggregate.aggregate(KeyNumberingTests.unnumbered(KeyNumberingTests.fleet(routers: 5))
            + KeyNumberingTests.unnumbered(KeyNumberingTests.fleet(routers: 6))
            + KeyNumberingTests.unnumbered(KeyNumberingTests.fleet(routers: 4))))
        #expect(Set(mixed.map(\.key)).count == mixed.count, "one aggregate per key")
        #expect(mixed.map(\.routers).reduce(0, +) == 3 * 15)
    }
}
