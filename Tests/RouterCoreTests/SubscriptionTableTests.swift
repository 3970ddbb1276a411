import RouterCore
import RouterWire
import Testing

@Suite struct SubscriptionTableTests {
    let now = RouterInstant(epochSeconds: 1_795_909_250)

    @Test func firstSubscribeCreatesSlotAndNodeWithEvents() throws {
        var table = SubscriptionTable()
        let events = try table.apply(packet("example.com", "127.0.0.1:3031"), now: now, operators: .init())
        #expect(events == [
            .slotCreated(key: "example.com", hash: 30778),
            .nodeAdded(key: "example.com", address: "127.0.0.1:3031"),
        ])
        #expect(events[0].logLine(pid: 7) == "[uwsgi-subscription for pid 7] new pool: example.com (hash key: 30778)")
        #expect(events[1].logLine(pid: 7) == "[uwsgi-subscription for pid 7] example.com => new node: 127.0.0.1:3031")
    }

    @Test func nodesKeepArrivalOrder() throws {
        var table = SubscriptionTable()
        for port in [3033, 3031, 3032] {
            _ = try table.apply(packet("app.local", "127.0.0.1:\(port)"), now: now, operators: .init())
        }
        let names = table.slot(for: "app.local")?.nodes.map(\.address)
        #expect(names == ["127.0.0.1:3033", "127.0.0.1:3031", "127.0.0.1:3032"])
    }

    @Test func reannouncesFindTheirNodeAfterRemovalsShiftThePool() throws {
        var table = SubscriptionTable()
        let addresses = (0..<6).map { "127.0.0.1:\(3000 + $0)" }
        for address in addresses { _ = try table.apply(packet("k", address), now: now, operators: .init()) }
        // Every node re-announced once: each lookup leaves a hint at the node's index.
        for address in addresses {
            let events = try table.apply(packet("k", address), now: now, operators: .init())
            #expect(events == [.nodeRefreshed(key: "k", address: address, revived: false)])
        }
        // Removing the first two shifts every other node; stale hints must not mislead.
        for address in addresses.prefix(2) {
            _ = try table.apply(packet("k", address, unsubscribe: true), now: now, operators: .init())
        }
        for address in addresses.dropFirst(2) {
            let events = try table.apply(packet("k", address), now: now, operators: .init())
            #expect(events == [.nodeRefreshed(key: "k", address: address, revived: false)])
        }
        let readded = try table.apply(packet("k", addresses[0]), now: now, operators: .init())
        #expect(readded == [.nodeAdded(key: "k", address: addresses[0])])
        #expect(table.slot(for: "k")?.nodes.map(\.address) == Array(addresses.dropFirst(2)) + [addresses[0]])
    }

    @Test func refreshUpdatesAnnouncedFieldsButNotModifiers() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet("k", "a:1", weight: 3, modifier1: 101, cores: 2, load: 5), now: now, operators: .init())
        let later = now + .seconds(5)
        let events = try table.apply(packet("k", "a:1", weight: 0, modifier1: 7, cores: 4, load: 9), now: later, operators: .init())
        #expect(events == [.nodeRefreshed(key: "k", address: "a:1", revived: false)])
        let node = try #require(table.slot(for: "k")?.node(address: "a:1"))
        #expect(node.announcedWeight == 1)  // 0 becomes 1
        #expect(node.cores == 4 && node.load == 9)
        #expect(node.modifier1 == 101)
        #expect(node.lastCheck == later)
    }

    @Test func refreshResetsLastRequestsButKeepsRequests() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        table.recordConnect(key: "k", address: "a:1")
        table.recordConnect(key: "k", address: "a:1")
        _ = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        let node = try #require(table.slot(for: "k")?.node(address: "a:1"))
        #expect(node.requests == 2 && node.lastRequests == 0)
    }

    @Test func keysAreExactAndCaseSensitive() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet("App.local", "a:1"), now: now, operators: .init())
        var events: [RouterEvent] = []
        let observed1 = table.pick(key: "app.local", client: nil, now: now, events: &events)
        #expect(observed1 == nil)
        let observed2 = table.pick(key: "App.local:80", client: nil, now: now, events: &events)
        #expect(observed2 == nil)
        let observed3 = table.pick(key: "App.local", client: nil, now: now, events: &events)?.address
        #expect(observed3 == "a:1")
    }

    @Test(arguments: [0, 256, 300])
    func keysOutside1To255BytesAreRefused(length: Int) {
        var table = SubscriptionTable()
        let key = String(repeating: "k", count: length)
        #expect(throws: RouterCoreError.invalidKey(key: key, byteCount: length)) {
            _ = try table.apply(packet(key, "a:1"), now: now, operators: .init())
        }
        #expect(table.isEmpty)
    }

    @Test func a255ByteKeyIsAccepted() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet(String(repeating: "k", count: 255), "a:1"), now: now, operators: .init())
        #expect(table.nodeCount == 1)
    }

    @Test func emptyAddressIsRefused() {
        var table = SubscriptionTable()
        #expect(throws: RouterCoreError.self) {
            _ = try table.apply(packet("k", ""), now: now, operators: .init())
        }
    }

    @Test func unsubscribeOfUnheldNodeRemovesNodeAndSlot() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        let events = try table.apply(packet("k", "a:1", unsubscribe: true), now: now, operators: .init())
        #expect(events == [
            .nodeMarkedFailed(key: "k", address: "a:1", reason: .unsubscribed),
            .nodeRemoved(key: "k", address: "a:1"),
            .slotRemoved(key: "k"),
        ])
        #expect(events[0].logLine(pid: 1).hasSuffix("k => marking a:1 as failed"))
        #expect(table.isEmpty)
    }

    @Test func unsubscribeOfUnknownNodeDoesNothing() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        let observed4 = try table.apply(packet("k", "b:2", unsubscribe: true), now: now, operators: .init()).isEmpty
        #expect(observed4)
        let observed5 = try table.apply(packet("other", "a:1", unsubscribe: true), now: now, operators: .init()).isEmpty
        #expect(observed5)
        #expect(table.nodeCount == 1)
    }

    @Test func deadNodeIsKeptWhileHeldAndRemovedOnRelease() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        _ = try table.apply(packet("k", "b:2"), now: now, operators: .init())
        var events: [RouterEvent] = []
        let picked = table.pick(key: "k", client: nil, now: now, events: &events)
        let held = try #require(picked)
        _ = table.markFailed(key: "k", address: held.address, reason: .connectFailed)
        let node = try #require(table.slot(for: "k")?.node(address: held.address))
        #expect(node.deathMark && node.ref == 1 && node.failcnt == 1)
        #expect(node.state == .dead)
        let released = table.release(key: "k", address: held.address)
        #expect(released == [.nodeRemoved(key: "k", address: held.address)])
        #expect(table.slot(for: "k")?.nodes.count == 1)
    }

    @Test func lastNodeRemovalTakesTheSlotOnRelease() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        var events: [RouterEvent] = []
        _ = table.pick(key: "k", client: nil, now: now, events: &events)
        _ = try table.apply(packet("k", "a:1", unsubscribe: true), now: now, operators: .init())
        #expect(table.slot(for: "k") != nil)
        let observed6 = table.pick(key: "k", client: nil, now: now, events: &events)
        #expect(observed6 == nil)
        let observed7 = table.release(key: "k", address: "a:1")
        #expect(observed7 == [.nodeRemoved(key: "k", address: "a:1"), .slotRemoved(key: "k")])
        #expect(table.isEmpty)
    }

    @Test func announceRevivesADeadHeldNodeWithItsCounters() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        var events: [RouterEvent] = []
        _ = table.pick(key: "k", client: nil, now: now, events: &events)
        _ = table.markFailed(key: "k", address: "a:1", reason: .connectFailed)
        let refresh = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        #expect(refresh == [.nodeRefreshed(key: "k", address: "a:1", revived: true)])
        let node = try #require(table.slot(for: "k")?.node(address: "a:1"))
        #expect(!node.deathMark && node.failcnt == 1 && node.ref == 1)
    }

    @Test func removedNodeComesBackFresh() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        table.recordConnect(key: "k", address: "a:1")
        _ = try table.apply(packet("k", "a:1", unsubscribe: true), now: now, operators: .init())
        let events = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        #expect(events.contains(.nodeAdded(key: "k", address: "a:1")))
        let node = try #require(table.slot(for: "k")?.node(address: "a:1"))
        #expect(node.requests == 0 && node.failcnt == 0)
    }

    @Test func clearRemovesUnheldAndMarksHeld() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        _ = try table.apply(packet("j", "b:2"), now: now, operators: .init())
        var events: [RouterEvent] = []
        _ = table.pick(key: "j", client: nil, now: now, events: &events)
        let cleared = table.clear()
        #expect(cleared.contains(.slotRemoved(key: "k")))
        #expect(!cleared.contains(.slotRemoved(key: "j")))
        #expect(table.slot(for: "j")?.node(address: "b:2")?.deathMark == true)
        _ = table.release(key: "j", address: "b:2")
        #expect(table.isEmpty)
    }

    @Test func pickCountsSlotHitsAndRefs() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        var events: [RouterEvent] = []
        for _ in 0..<3 { _ = table.pick(key: "k", client: nil, now: now, events: &events) }
        #expect(table.slot(for: "k")?.hits == 3)
        #expect(table.slot(for: "k")?.node(address: "a:1")?.ref == 3)
    }

    @Test func releaseCountsTraffic() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        var events: [RouterEvent] = []
        _ = table.pick(key: "k", client: nil, now: now, events: &events)
        _ = table.release(key: "k", address: "a:1", tx: 2142, rx: 2130)
        let node = try #require(table.slot(for: "k")?.node(address: "a:1"))
        #expect(node.tx == 2142 && node.rx == 2130 && node.ref == 0)
    }

    @Test func extraReleaseNeverUnderflows() throws {
        var table = SubscriptionTable()
        _ = try table.apply(packet("k", "a:1"), now: now, operators: .init())
        _ = table.release(key: "k", address: "a:1")
        #expect(table.slot(for: "k")?.node(address: "a:1")?.ref == 0)
    }
}
