import RouterWire
import Testing
@testable import FleetModel

/// Routers the fleet registry stops listing: shown as gone, then dropped.
@Suite("Routers gone from the registry")
struct GoneRouterTests {
    static func endpoint(_ name: String, port: UInt16) -> RouterEndpoint {
        RouterEndpoint(name: name, stats: .tcp(host: "127.0.0.1", port: port))
    }

    static let a = endpoint("a", port: 1)
    static let b = endpoint("b", port: 2)
    static let t0 = FleetInstant(secondsSinceEpoch: 1_000)

    @Test("A router no longer listed keeps its data, is listed last as gone, and is not counted")
    func gone() {
        var snapshot = FleetSnapshot(endpoints: [Self.a, Self.b])
        snapshot.recordSuccess(Docs.uwsgi(slots: []), for: Self.a.id, at: Self.t0)
        snapshot.setEndpoints([Self.b], keepingGoneAt: Self.t0 + 1)
        #expect(snapshot.order == [Self.b.id, Self.a.id])
        #expect(snapshot[Self.a.id]?.status == .gone(since: Self.t0 + 1))
        #expect(snapshot[Self.a.id]?.latest != nil)
        #expect(snapshot.totals.routers == 1)
        #expect(snapshot.totals.gone == 1)
        #expect(snapshot[Self.a.id]?.status.label == "gone")
    }

    @Test("A gone router that registers again is listed with its history")
    func back() {
        var snapshot = FleetSnapshot(endpoints: [Self.a])
        snapshot.recordSuccess(Docs.uwsgi(slots: []), for: Self.a.id, at: Self.t0)
        snapshot.setEndpoints([], keepingGoneAt: Self.t0 + 1)
        snapshot.setEndpoints([Self.a], keepingGoneAt: Self.t0 + 2)
        #expect(snapshot[Self.a.id]?.goneSince == nil)
        #expect(snapshot[Self.a.id]?.status == .ok(at: Self.t0))
        #expect(snapshot[Self.a.id]?.successfulPolls == 1)
    }

    @Test("A gone router leaves the table after the retention; the first gone time is kept")
    func retention() {
        var snapshot = FleetSnapshot(endpoints: [Self.a, Self.b], configuration: .init())
        snapshot.setEndpoints([Self.b], keepingGoneAt: Self.t0)
        snapshot.setEndpoints([Self.b], keepingGoneAt: Self.t0 + 30)
        #expect(snapshot[Self.a.id]?.goneSince == Self.t0)
        snapshot.refresh(at: Self.t0 + 59)
        #expect(snapshot[Self.a.id] != nil)
        let before = snapshot.version
        snapshot.refresh(at: Self.t0 + 61)
        #expect(snapshot[Self.a.id] == nil)
        #expect(snapshot.order == [Self.b.id])
        #expect(snapshot.version != before)
    }

    @Test("Polls of a gone router do not bring it back")
    func pollAfterGone() {
        var snapshot = FleetSnapshot(endpoints: [Self.a])
        snapshot.setEndpoints([], keepingGoneAt: Self.t0)
        snapshot.recordSuccess(Docs.uwsgi(slots: []), for: Self.a.id, at: Self.t0 + 1)
        #expect(snapshot[Self.a.id]?.status == .gone(since: Self.t0))
    }
}
