@testable import RouterCore
import RouterWire
import Testing
import ThreadTesting

@Suite(.ownThread) struct SubscriptionLimitsTests {
    let now = RouterInstant(epochSeconds: 1_795_909_250)

    private func stamped(_ key: String, _ address: String, unix: UInt64?, unsubscribe: Bool = false) -> SubscriptionPacket {
        var value = packet(key, address, unsubscribe: unsubscribe)
        value.unix = unix
        return value
    }

    @Test func newKeysBeyondTheLimitAreRefusedButExistingKeysStillRefresh() throws {
        var table = SubscriptionTable(limits: SubscriptionLimits(maximumKeys: 2, maximumNodesPerKey: 10))
        _ = try table.apply(packet("a", "127.0.0.1:1"), now: now, operators: .init())
        _ = try table.apply(packet("b", "127.0.0.1:1"), now: now, operators: .init())
        #expect(throws: RouterCoreError.keyLimitReached(key: "c", limit: 2)) {
            try table.apply(packet("c", "127.0.0.1:1"), now: now, operators: .init())
        }
        #expect(try table.apply(packet("a", "127.0.0.1:2"), now: now, operators: .init()) == [.nodeAdded(key: "a", address: "127.0.0.1:2")])
        #expect(table.slots.count == 2)
    }

    @Test func newNodesBeyondTheLimitAreRefusedButKnownNodesStillRefresh() throws {
        var table = SubscriptionTable(limits: SubscriptionLimits(maximumKeys: 10, maximumNodesPerKey: 3))
        for port in 1...3 { _ = try table.apply(packet("k", "127.0.0.1:\(port)"), now: now, operators: .init()) }
        #expect(throws: RouterCoreError.nodeLimitReached(key: "k", limit: 3)) {
            try table.apply(packet("k", "127.0.0.1:4"), now: now, operators: .init())
        }
        #expect(try table.apply(packet("k", "127.0.0.1:2"), now: now, operators: .init())
            == [.nodeRefreshed(key: "k", address: "127.0.0.1:2", revived: false)])
        #expect(table.slot(for: "k")?.nodes.count == 3)
    }

    @Test func defaultsHoldATenThousandNodeFleet() throws {
        var table = SubscriptionTable()
        // 10,000 nodes under one key, then 10,000 keys of one node: neither limit is reached.
        for index in 0..<10_000 { _ = try table.apply(packet("big", "10.0.\(index / 256).\(index % 256):3031"), now: now, operators: .init()) }
        for index in 0..<10_000 { _ = try table.apply(packet("k\(index)", "127.0.0.1:3031"), now: now, operators: .init()) }
        #expect(table.slot(for: "big")?.nodes.count == 10_000)
        #expect(table.slots.count == 10_001)
        // The index stays exact through removals in the middle of a big pool.
        for index in stride(from: 0, to: 10_000, by: 3) {
            _ = try table.apply(packet("big", "10.0.\(index / 256).\(index % 256):3031", unsubscribe: true), now: now, operators: .init())
        }
        let slot = try #require(table.slot(for: "big"))
        #expect(slot.nodes.count == 6_666)
        for (position, node) in slot.nodes.enumerated() { #expect(slot.index(ofAddress: node.address) == position) }
        #expect(slot.index(ofAddress: "10.0.0.0:3031") == nil)
    }

    /// Every node of `key` is found at its position, and none of `gone` is found.
    private func indexIsExact(_ table: SubscriptionTable, _ key: RouteKey, gone: [String], _ step: String) {
        guard let slot = table.slot(for: key) else {
            Issue.record("\(step): the slot of \(key.string) is gone")
            return
        }
        for (position, node) in slot.nodes.enumerated() {
            #expect(slot.index(ofAddress: node.address) == position, "\(step): \(node.address)")
        }
        for address in gone { #expect(slot.index(ofAddress: address) == nil, "\(step): \(address) is gone") }
    }

    @Test func theIndexStaysExactThroughEveryRemovalPath() throws {
        var table = SubscriptionTable(tolerance: .seconds(10))
        let addresses = (0..<60).map { "127.0.0.1:\(1000 + $0)" }
        for address in addresses { _ = try table.apply(packet("k", address), now: now, operators: .init()) }
        // Sessions hold twelve nodes (the selector picks them); a held node outlives its death.
        var events: [RouterEvent] = []
        let held = (0..<12).compactMap { _ in table.pick(key: "k", client: nil, now: now, events: &events)?.address }
        #expect(Set(held).count == 12, "twelve distinct nodes held")
        // Unsubscribes: an unheld node leaves at once, a held one stays dead until released.
        let unsubscribed = stride(from: 0, to: 60, by: 4).map { addresses[$0] }
        for address in unsubscribed {
            let removed = try table.apply(packet("k", address, unsubscribe: true), now: now, operators: .init())
                .contains(.nodeRemoved(key: "k", address: address))
            #expect(removed == !held.contains(address), "\(address)")
        }
        let leftDead = unsubscribed.filter(held.contains)
        indexIsExact(table, "k", gone: unsubscribed.filter { !held.contains($0) }, "unsubscribed")
        // Releases remove the dead held nodes, and only them.
        for address in held {
            let removed = table.release(key: "k", address: address).contains(.nodeRemoved(key: "k", address: address))
            #expect(removed == leftDead.contains(address), "\(address)")
        }
        indexIsExact(table, "k", gone: unsubscribed, "released")
        // A connect failure (markFailed) removes one node in the middle.
        let failed = addresses[31]
        #expect(table.markFailed(key: "k", address: failed, reason: .connectFailed).contains(.nodeRemoved(key: "k", address: failed)))
        indexIsExact(table, "k", gone: unsubscribed + [failed], "failed")
        // Expiry sweeps the nodes not refreshed within the tolerance: every other one left.
        let later = RouterInstant(epochSeconds: 1_795_909_250 + 20)
        let survivors = try #require(table.slot(for: "k")).nodes.map(\.address).enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        for address in survivors { _ = try table.apply(packet("k", address), now: later, operators: .init()) }
        let expired = table.expire(now: later).compactMap { event -> String? in
            if case .nodeRemoved(_, let address) = event { return address }
            return nil
        }
        #expect(table.slot(for: "k")?.nodes.map(\.address) == survivors)
        indexIsExact(table, "k", gone: unsubscribed + [failed] + expired, "expired")
        // A removed address comes back as a new node at the end.
        _ = try table.apply(packet("k", failed), now: later, operators: .init())
        #expect(table.slot(for: "k")?.index(ofAddress: failed) == survivors.count)
        indexIsExact(table, "k", gone: unsubscribed, "re-added")
        // Clearing removes them all, and the slot with them.
        _ = table.clear()
        #expect(table.slot(for: "k") == nil)
    }

    @Test func stampedPacketsMustBeNewerThanTheNodesLastStamp() throws {
        var table = SubscriptionTable()
        _ = try table.apply(stamped("k", "127.0.0.1:1", unix: 100), now: now, operators: .init(), requireStamp: true)
        #expect(throws: RouterCoreError.replayedStamp(key: "k", address: "127.0.0.1:1", stamp: 100, last: 100)) {
            try table.apply(stamped("k", "127.0.0.1:1", unix: 100), now: now, operators: .init(), requireStamp: true)
        }
        #expect(throws: RouterCoreError.replayedStamp(key: "k", address: "127.0.0.1:1", stamp: 99, last: 100)) {
            try table.apply(stamped("k", "127.0.0.1:1", unix: 99), now: now, operators: .init(), requireStamp: true)
        }
        #expect(throws: RouterCoreError.missingStamp(key: "k", address: "127.0.0.1:1")) {
            try table.apply(stamped("k", "127.0.0.1:1", unix: nil), now: now, operators: .init(), requireStamp: true)
        }
        _ = try table.apply(stamped("k", "127.0.0.1:1", unix: 101), now: now, operators: .init(), requireStamp: true)
        #expect(table.slot(for: "k")?.node(address: "127.0.0.1:1")?.unixCheck == 101)
        // A replayed unsubscribe cannot remove the node either.
        #expect(throws: RouterCoreError.replayedStamp(key: "k", address: "127.0.0.1:1", stamp: 101, last: 101)) {
            try table.apply(stamped("k", "127.0.0.1:1", unix: 101, unsubscribe: true), now: now, operators: .init(), requireStamp: true)
        }
        #expect(table.slot(for: "k")?.nodes.count == 1)
        // Unsigned tables take anything, as uWSGI does.
        _ = try table.apply(stamped("k", "127.0.0.1:1", unix: 1), now: now, operators: .init())
    }

    @Test func anEmptyTablesSweepEndsInOneStep() throws {
        // A router with static nodes only sweeps every second: no bucket is looked at.
        var table = SubscriptionTable(tolerance: .seconds(17))
        var cursor = ExpiryCursor()
        #expect(table.expireStep(now: now, cursor: &cursor).isEmpty)
        #expect(cursor.isFinished)
        // Emptied again after a node expired: the same.
        _ = try table.apply(packet("k", "127.0.0.1:1"), now: now, operators: .init())
        var sweep = ExpiryCursor()
        while !sweep.isFinished { _ = table.expireStep(now: now + .seconds(18), cursor: &sweep) }
        #expect(table.isEmpty)
        var again = ExpiryCursor()
        #expect(table.expireStep(now: now + .seconds(19), cursor: &again).isEmpty)
        #expect(again.isFinished)
    }

    @Test func theExpirySweepVisitsABoundedNumberOfNodesPerStep() throws {
        var table = SubscriptionTable(tolerance: .seconds(17))
        for key in 0..<200 {
            for port in 0..<10 { _ = try table.apply(packet("key\(key)", "127.0.0.1:\(port)"), now: now, operators: .init()) }
        }
        let later = now + .seconds(18)
        var cursor = ExpiryCursor()
        var steps = 0
        var removed = 0
        while !cursor.isFinished {
            let events = table.expireStep(now: later, cursor: &cursor, nodeBudget: 100, bucketBudget: 65_535)
            steps += 1
            let nodes = events.filter { if case .nodeRemoved = $0 { true } else { false } }.count
            // A step stops once its budget is spent; one slot (10 nodes) may overrun it.
            #expect(nodes <= 100 + 10)
            removed += nodes
        }
        #expect(removed == 2000)
        #expect(steps >= 20)
        #expect(table.isEmpty)
    }

    @Test func aSparseTablesSweepLooksAtItsOccupiedBucketsOnly() throws {
        // Three keys in three buckets: with one bucket per step, three steps and a fourth that
        // finds no more (the 65,532 empty buckets cost no step and no lookup).
        var table = SubscriptionTable(tolerance: .seconds(17))
        for key in ["a", "b", "c"] { _ = try table.apply(packet(key, "127.0.0.1:1"), now: now, operators: .init()) }
        #expect(Set(["a", "b", "c"].map { SubscriptionHash.bucket(of: RouteKey($0)) }).count == 3)
        var cursor = ExpiryCursor()
        var steps = 0
        var removed: [RouteKey] = []
        while !cursor.isFinished && steps < 10 {
            for case .slotRemoved(let key) in table.expireStep(now: now + .seconds(18), cursor: &cursor, bucketBudget: 1) {
                removed.append(key)
            }
            steps += 1
        }
        #expect(Set(removed) == ["a", "b", "c"])
        #expect(steps == 4)
        #expect(table.isEmpty)
    }

    @Test func occupiedBucketsFindTheNextSetBitAcrossWords() {
        var buckets = OccupiedBuckets()
        #expect(buckets.first(from: 0) == nil)
        for bucket: UInt32 in [0, 63, 64, 1000, SubscriptionHash.bucketCount - 1] { buckets.insert(bucket) }
        #expect(buckets.first(from: 0) == 0)
        #expect(buckets.first(from: 1) == 63)
        #expect(buckets.first(from: 64) == 64)
        #expect(buckets.first(from: 65) == 1000)
        #expect(buckets.first(from: 1001) == SubscriptionHash.bucketCount - 1)
        #expect(buckets.first(from: SubscriptionHash.bucketCount) == nil)
        buckets.remove(1000)
        buckets.remove(SubscriptionHash.bucketCount - 1)
        #expect(buckets.first(from: 65) == nil)
        // Removing an unset bucket, or from an untouched set, changes nothing.
        buckets.remove(5)
        var untouched = OccupiedBuckets()
        untouched.remove(5)
        #expect(untouched.first(from: 0) == nil)
        #expect(buckets.first(from: 0) == 0)
    }
}
