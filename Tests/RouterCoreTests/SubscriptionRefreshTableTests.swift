import NIOCore
import RouterCore
import RouterCoreTesting
import RouterWire
import Testing

@Suite("re-announces taken in place")
struct SubscriptionRefreshTableTests {
    /// The encoded `packet` read in place.
    static func scanned(_ packet: SubscriptionPacket) throws -> SubscriptionRefresh {
        try #require(try packet.encoded().withUnsafeReadableBytes { SubscriptionRefresh.scan($0) })
    }

    /// Applies `packet` in place when the state knows its node, as the runtime does, else decoded.
    static func applyInPlace(_ packet: SubscriptionPacket, to state: inout RouterState) throws -> [RouterEvent] {
        var cheap: [RouterEvent] = []
        if case .subscribe = packet.command,
           let refreshed = state.refresh(key: RouteKey(packet.key), address: packet.address, with: try scanned(packet), events: &cheap) {
            return [refreshed] + cheap
        }
        return try state.apply(packet)
    }

    @Test("a node refreshed in place ends as the decoded packet leaves it: figures, changed weight, kept backup, revival, events")
    func sameStateAsDecoded() throws {
        let router = try subscriptionRouter()
        var decoded = router.0
        let clock = router.1
        var inPlace = decoded
        let sequence: [SubscriptionPacket] = [
            packet("app", "127.0.0.1:1", weight: 1, modifier1: 5),  // new: decoded on both sides
            packet("app", "127.0.0.1:2", weight: 3),
            packet("app", "127.0.0.1:1", weight: 9, backup: 2, modifier1: 7, cores: 4, load: 3),  // weight changes
            packet("app", "127.0.0.1:1"),  // no figures: cores, load 0, weight 1, backup kept
            packet("app", "127.0.0.1:1", unsubscribe: true),  // held (below), so only death-marked
            packet("app", "127.0.0.1:1", weight: 0),  // revives it; weight 0 counts as 1
        ]
        for (step, packet) in sequence.enumerated() {
            clock.advance(by: .seconds(1))
            let expected = try decoded.apply(packet)
            let events = try Self.applyInPlace(packet, to: &inPlace)
            #expect(events == expected, "step \(step)")
            #expect(inPlace.table.slot(for: "app") == decoded.table.slot(for: "app"), "step \(step)")
            if step == 0 {  // both replicas hold their only node, so the unsubscribe only marks it
                let held = (decoded.pick("app")?.address, inPlace.pick("app")?.address)
                #expect(held.0 == "127.0.0.1:1" && held.1 == "127.0.0.1:1")
            }
        }
        let node = try #require(inPlace.table.slot(for: "app")?.node(address: "127.0.0.1:1"))
        #expect(node.announcedWeight == 1 && node.backup == 2 && node.modifier1 == 5 && !node.deathMark)
        #expect(node.lastCheck == clock.now())
    }

    @Test("an unknown key or node is not refreshed: nil, and the table is unchanged")
    func unknownIsLeftToTheDecoder() throws {
        var (state, _) = try subscriptionRouter()
        var events: [RouterEvent] = []
        let first = packet("app", "127.0.0.1:1", weight: 2)
        let unknownKey = state.refresh(key: "app", address: "127.0.0.1:1", with: try Self.scanned(first), events: &events)
        #expect(unknownKey == nil)
        #expect(state.table.isEmpty)
        _ = try state.apply(first)
        let before = state.table.slot(for: "app")
        let other = packet("app", "127.0.0.1:2", weight: 5)
        let unknownNode = state.refresh(key: "app", address: "127.0.0.1:2", with: try Self.scanned(other), events: &events)
        let otherKey = state.refresh(key: "other", address: "127.0.0.1:1", with: try Self.scanned(first), events: &events)
        #expect(unknownNode == nil && otherKey == nil && events.isEmpty)
        #expect(state.table.slot(for: "app") == before)
    }

    @Test("a changed weight taken in place reaches balancing; the operator's override and drain still win")
    func weightChangeReachesBalancing() throws {
        var (state, _) = try subscriptionRouter()
        _ = try state.apply(packet("app", "127.0.0.1:1", weight: 1))
        _ = try state.apply(packet("app", "127.0.0.1:2", weight: 1))
        var events: [RouterEvent] = []
        let heavier = try Self.scanned(packet("app", "127.0.0.1:2", weight: 3))
        let refreshed = state.refresh(key: "app", address: "127.0.0.1:2", with: heavier, events: &events)
        #expect(refreshed == .nodeRefreshed(key: "app", address: "127.0.0.1:2", revived: false) && events.isEmpty)
        let shares = state.distribution("app", count: 400)
        #expect(shares == ["127.0.0.1:1": 100, "127.0.0.1:2": 300])

        _ = try state.setWeight(1, for: OperatorTarget(key: "app", address: "127.0.0.1:2"))
        _ = state.setDrain(true, for: OperatorTarget(key: "app", address: "127.0.0.1:1"))
        let again = state.refresh(key: "app", address: "127.0.0.1:2", with: heavier, events: &events)
        let plain = state.refresh(key: "app", address: "127.0.0.1:1", with: try Self.scanned(packet("app", "127.0.0.1:1")), events: &events)
        #expect(again != nil && plain != nil)
        let nodes = try #require(state.table.slot(for: "app")?.nodes)
        #expect(nodes.map(\.effectiveWeight) == [1, 1])
        #expect(nodes.map(\.drain) == [true, false])
        let drained = state.distribution("app", count: 10)
        #expect(drained == ["127.0.0.1:2": 10])
    }
}
