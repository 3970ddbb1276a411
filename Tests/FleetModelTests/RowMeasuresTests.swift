import RouterWire
import Testing
@testable import FleetModel

/// The measures a Fleet row carries for sizing columns are what its own fields give, after any
/// sequence of polls, failures, staleness and uWSGI's lazy expiry.
struct RowMeasuresTests {
    let t0 = FleetInstant(secondsSinceEpoch: 1_795_909_900)
    let endpoints = [
        RouterEndpoint(name: "plain", stats: .tcp(host: "127.0.0.1", port: 9191)),
        RouterEndpoint(name: "routér-ü", stats: .tcp(host: "10.0.0.1", port: 9192)),
        RouterEndpoint(name: "127.0.0.1:9193", stats: .tcp(host: "127.0.0.1", port: 9193)),
    ]

    func doc(requests: UInt64, lastCheck: UInt64) -> StatsDocument {
        Docs.uwsgi(slots: [
            ("a", requests, [Docs.node("n1", requests: requests, lastCheck: lastCheck),
                             Docs.node("n2", requests: 2 * requests, lastCheck: lastCheck - 30)]),
            ("b", requests, (0..<12).map { Docs.node("m\($0)", requests: requests, lastCheck: lastCheck) }),
        ])
    }

    /// The measures worked out from the row's public fields alone.
    func fromScratch(_ row: RouterRow) -> RouterRowMeasures {
        func ascii(_ text: String) -> Int? {
            text.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F } ? text.utf8.count : nil
        }
        let counts = row.nodesByState
        let ready = counts[.ready] ?? 0
        let drained = (counts[.draining] ?? 0) + (counts[.drained] ?? 0)
        let dead = (counts[.dead] ?? 0) + (counts[.expired] ?? 0)
        return RouterRowMeasures(
            kindLength: row.kind.count + (row.flavor == .uwsgi ? 1 : 0), health: .init(row.status),
            hasData: row.flavor != nil, cheap: row.cheap, cheapMode: row.cheapMode,
            nodeDigits: String(ready).count + String(drained).count + String(dead).count,
            asciiNameWidth: ascii(row.name), asciiAddressWidth: row.address == row.name ? nil : ascii(row.address),
            addressDiffers: row.address != row.name, hasCertificates: row.certificateExpiry != nil)
    }

    func expectMeasures(_ snapshot: FleetSnapshot, at now: FleetInstant) {
        let rows = snapshot.routerRows(at: now)
        #expect(rows.count == endpoints.count)
        for row in rows { #expect(row.measures == fromScratch(row), "\(row.name)") }
    }

    @Test("measures follow polls, failures, staleness and expiry", arguments: [0, 1, 2, 3])
    func measuresMatchFields(seed: Int) {
        var snapshot = FleetSnapshot(endpoints: endpoints)
        expectMeasures(snapshot, at: t0)
        var now = t0
        // A deterministic walk per seed: which router gets what, and how far time moves.
        var state = UInt64(seed) &* 6_364_136_223_846_793_005 &+ 1
        for step in 0..<40 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let router = endpoints[Int(state >> 33) % endpoints.count].id
            switch (state >> 40) % 4 {
            case 0, 1:
                snapshot.recordSuccess(doc(requests: UInt64(step + 1), lastCheck: UInt64(now.secondsSinceEpoch)),
                                       for: router, at: now)
            case 2:
                snapshot.recordFailure("refused", for: router, at: now)
            default:
                now = now + Double((state >> 45) % 15)
                snapshot.refresh(at: now)
            }
            expectMeasures(snapshot, at: now)
            // Later instants expire the uWSGI nodes (17 s tolerance) without a new poll.
            expectMeasures(snapshot, at: now + 20)
        }
    }

    @Test("the digits of the node counts, minus signs included")
    func digits() {
        #expect(RouterRowMeasures.digits(0) == 1)
        #expect(RouterRowMeasures.digits(9) == 1)
        #expect(RouterRowMeasures.digits(10) == 2)
        #expect(RouterRowMeasures.digits(-5) == 2)
        #expect(RouterRowMeasures.nodeDigits([.ready: 12, .draining: 1, .drained: 9, .expired: 100]) == 2 + 2 + 3)
    }
}
