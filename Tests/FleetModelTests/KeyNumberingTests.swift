import RouterWire
import Testing
@testable import FleetModel
import ThreadTesting

/// The snapshot numbers its rows' keys so the key view and the grouping by key add them up by
/// array index; the totals must be those of adding them up by name, and the numbering must not
/// grow with keys that come and go.
@Suite("Key numbering", .ownThread)
struct KeyNumberingTests {
    static let t0 = KeyAggregationTests.t0

    /// A fleet of `routers` routers, router `r` serving keys `r % 7 …` (three of seven shared
    /// keys, some nodes draining), polled twice so rates exist.
    static func fleet(routers: Int) -> FleetSnapshot {
        let endpoints = (0..<routers).map { KeyAggregationTests.endpoint("r\($0)", host: "h\($0 % 3)") }
        var snapshot = FleetSnapshot(endpoints: endpoints)
        for poll in 0..<2 {
            for router in 0..<routers {
                let slots = (0..<3).map { offset -> (String, [StatsDocument.Node]) in
                    let key = "app\((router + offset) % 7).local"
                    let nodes = (0..<2).map { node in
                        KeyAggregationTests.node("10.0.\(router).\(node):3031", requests: UInt64((router + node + 1) * (poll + 1) * 10),
                                                 failcnt: UInt64(node), state: node == 1 && router % 4 == 0 ? .draining : .ready)
                    }
                    return (key, nodes)
                }
                snapshot.recordSuccess(KeyAggregationTests.fleetrouter(slots), for: endpoints[router].id,
                                       at: t0 + Double(poll))
            }
        }
        return snapshot
    }

    /// The rows as `RouterRow(entry:)` builds them: the same values, no numbering.
    static func unnumbered(_ snapshot: FleetSnapshot) -> [RouterRow] {
        snapshot.entries.map { RouterRow(entry: $0, at: t0 + 1, tolerance: snapshot.configuration.subscriptionTolerance) }
    }

    @Test("numbered rows add up to what the same rows add up to by name")
    func numberedMatchesNamed() {
        let snapshot = Self.fleet(routers: 40)
        let numbered = snapshot.routerRows(at: Self.t0 + 1)
        let named = Self.unnumbered(snapshot)
        #expect(numbered.allSatisfy { $0.keyStats.allSatisfy { $0.number >= 0 } })
        #expect(named.allSatisfy { $0.keyStats.allSatisfy { $0.number < 0 } })
        #expect(numbered == named, "numbers take no part in a row's value")
        let aggregates = KeyAggregate.aggregate(numbered)
        #expect(aggregates == KeyAggregate.aggregate(named))
        #expect(aggregates.count == 7 && aggregates.allSatisfy { $0.routers > 0 && $0.requestsPerSecond != nil })
        #expect(FleetGrouping.key.lines(for: numbered) == FleetGrouping.key.lines(for: named))
        // Rows of two snapshots (two numberings) are added up by name.
        let other = Self.fleet(routers: 5).routerRows(at: Self.t0 + 1)
        #expect(KeyAggregate.aggregate(numbered + other) == KeyAggregate.aggregate(named + Self.unnumbered(Self.fleet(routers: 5))))
    }

    @Test("a key named \"\" is grouped by name, as the unnumbered rows are")
    func emptyKey() {
        var snapshot = FleetSnapshot(endpoints: [KeyAggregationTests.endpoint("a", host: "h"), KeyAggregationTests.endpoint("b", host: "h")])
        snapshot.recordSuccess(KeyAggregationTests.fleetrouter([("", [KeyAggregationTests.node("n1")])]), for: "a", at: Self.t0)
        snapshot.recordSuccess(KeyAggregationTests.fleetrouter([]), for: "b", at: Self.t0)
        let numbered = snapshot.routerRows(at: Self.t0)
        #expect(FleetGrouping.key.lines(for: numbered) == FleetGrouping.key.lines(for: Self.unnumbered(snapshot)))
    }

    @Test("keys that come and go are renumbered from those in use, and still add up by name")
    func churnIsBounded() {
        let endpoints = (0..<4).map { KeyAggregationTests.endpoint("r\($0)", host: "h") }
        var snapshot = FleetSnapshot(endpoints: endpoints)
        // Each poll serves keys never seen before: 10,000 distinct names in all.
        for poll in 0..<2_500 {
            for (index, endpoint) in endpoints.enumerated() {
                snapshot.recordSuccess(KeyAggregationTests.fleetrouter([("k\(poll).\(index)", [KeyAggregationTests.node("n")])]),
                                       for: endpoint.id, at: Self.t0 + Double(poll))
            }
        }
        #expect(snapshot.numberedKeyCount <= 4_096 + 1, "\(snapshot.numberedKeyCount) numbers for 4 keys in use")
        let numbered = snapshot.routerRows(at: Self.t0 + 2_499)
        #expect(KeyAggregate.aggregate(numbered) == KeyAggregate.aggregate(Self.unnumbered(snapshot)))
        #expect(KeyAggregate.aggregate(numbered).map(\.key) == (0..<4).map { "k2499.\($0)" })
    }
}
