import RouterCore
import RouterWire
import Testing

@Suite struct BalancingTests {
    @Test func weights321Over600PicksGiveExactly300_200_100() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a", weight: 3), packet("k", "b", weight: 2), packet("k", "c", weight: 1))
        let observed1 = router.distribution("k", count: 600)
        #expect(observed1 == ["a": 300, "b": 200, "c": 100])
    }

    @Test func weights321AreSmoothlyInterleaved() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a", weight: 3), packet("k", "b", weight: 2), packet("k", "c", weight: 1))
        var sequence: [String] = []
        for _ in 0..<600 {
            let target = try router.mustPick("k")
            sequence.append(target.address)
            _ = router.release(target)
        }
        var longest = 1, run = 1
        for index in 1..<sequence.count {
            run = sequence[index] == sequence[index - 1] ? run + 1 : 1
            longest = max(longest, run)
        }
        #expect(longest <= 3)
        #expect(longest < 3)  // smooth WRR never repeats a 3:2:1 node more than twice
        #expect(Array(sequence.prefix(6)) == ["a", "b", "a", "c", "b", "a"])
    }

    @Test func weights3And2AreNotFlattenedTo1To1() throws {
        // uWSGI's floor(weight / min) turns 3:2 into 1:1; smooth WRR keeps 3:2.
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a", weight: 3), packet("k", "b", weight: 2))
        let observed2 = router.distribution("k", count: 500)
        #expect(observed2 == ["a": 300, "b": 200])
    }

    @Test func weightChangeOnReannounceTakesEffect() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a", weight: 1), packet("k", "b", weight: 1))
        try router.subscribe(packet("k", "a", weight: 4))
        let observed3 = router.distribution("k", count: 500)
        #expect(observed3 == ["a": 400, "b": 100])
    }

    @Test func operatorWeightOverridesAnnouncedAndSurvivesReannounce() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a", weight: 1), packet("k", "b", weight: 1))
        _ = try router.setWeight(3, for: OperatorTarget(key: "k", address: "a"))
        try router.subscribe(packet("k", "a", weight: 1))
        #expect(router.node("k", "a")?.effectiveWeight == 3)
        let observed4 = router.distribution("k", count: 400)
        #expect(observed4 == ["a": 300, "b": 100])
        _ = try router.setWeight(nil, for: OperatorTarget(key: "k", address: "a"))
        let observed5 = router.distribution("k", count: 400)
        #expect(observed5 == ["a": 200, "b": 200])
    }

    @Test func deadNodesAreSkipped() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "a"), packet("k", "b"))
        let held = try router.mustPick("k")
        _ = router.connectFailed(held)
        let others = router.distribution("k", count: 10)
        #expect(others.keys.count == 1 && others[held.address] == nil)
    }

    @Test func backupNodesUsedOnlyWhenNoLowerLevelIsAlive() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(
            packet("k", "primary1"), packet("k", "backup1", backup: 1),
            packet("k", "primary2"), packet("k", "backup2", backup: 2))
        let observed6 = router.distribution("k", count: 10)
        #expect(observed6 == ["primary1": 5, "primary2": 5])
        _ = router.connectFailed(try router.mustPick("k"))
        _ = router.connectFailed(try router.mustPick("k"))
        let observed7 = router.distribution("k", count: 4)
        #expect(observed7 == ["backup1": 4])
        try router.subscribe(packet("k", "backup1", backup: 1, unsubscribe: true))
        let observed8 = router.distribution("k", count: 4)
        #expect(observed8 == ["backup2": 4])
        try router.subscribe(packet("k", "primary1"))
        let observed9 = router.distribution("k", count: 4)
        #expect(observed9 == ["primary1": 4])
    }

    @Test func drainedPrimariesLetBackupsServe() throws {
        var (router, _) = try subscriptionRouter()
        try router.subscribe(packet("k", "p"), packet("k", "b", backup: 1))
        _ = router.setDrain(true, for: OperatorTarget(key: "k", address: "p"))
        let observed10 = router.distribution("k", count: 3)
        #expect(observed10 == ["b": 3])
    }

    @Test func lrcPicksFewestInFlight() throws {
        var (router, _) = try subscriptionRouter { $0.algorithm = .lrc }
        try router.subscribe(packet("k", "a"), packet("k", "b"), packet("k", "c"))
        let first = try router.mustPick("k")
        let second = try router.mustPick("k")
        let third = try router.mustPick("k")
        #expect(Set([first.address, second.address, third.address]) == ["a", "b", "c"])
        _ = router.release(second)
        let observed11 = router.pick("k")?.address
        #expect(observed11 == second.address)
    }

    @Test func lrcBreaksTiesByFewerRecentRequests() throws {
        var (router, _) = try subscriptionRouter { $0.algorithm = .lrc }
        try router.subscribe(packet("k", "a"), packet("k", "b"))
        let target = try router.mustPick("k")
        router.connected(to: target)
        _ = router.release(target)
        #expect(target.address == "a")
        let observed12 = router.pick("k")?.address
        #expect(observed12 == "b")
    }

    @Test func wlrcWeighsReferences() throws {
        var (router, _) = try subscriptionRouter { $0.algorithm = .wlrc }
        try router.subscribe(packet("k", "heavy", weight: 3), packet("k", "light", weight: 1))
        var held: [String: Int] = [:]
        for _ in 0..<8 {
            let target = try router.mustPick("k")
            held[target.address, default: 0] += 1
        }
        #expect(held == ["heavy": 6, "light": 2])
    }

    @Test func slotAlgorithmFromPacketWins() throws {
        var (router, _) = try subscriptionRouter()
        var first = packet("k", "a")
        first.algo = "lrc"
        try router.subscribe(first, packet("k", "b", weight: 9))
        #expect(router.table.slot(for: "k")?.algorithm == .lrc)
        _ = try router.mustPick("k")
        #expect(router.pick("k")?.address == "b")  // lrc: a holds one session now
    }
}

@Suite struct IPHashTests {
    func router() throws -> RouterState {
        var (router, _) = try subscriptionRouter { $0.algorithm = .iphash }
        try router.subscribe(packet("k", "n0"), packet("k", "n1"), packet("k", "n2"))
        return router
    }

    @Test func sameClientAlwaysGetsTheSameNode() throws {
        var router = try router()
        let client = ClientAddress.ipv4(192, 168, 1, 77)
        let first = try router.mustPick("k", client: client)
        for _ in 0..<20 {
            let observed13 = router.pick("k", client: client)?.address
            #expect(observed13 == first.address)
        }
    }

    @Test func ipv4IsSAddrReadAsHostIntegerModAliveCount() throws {
        var router = try router()
        // 10.0.0.1 → bytes 0A 00 00 01 → little-endian u32 0x0100000A = 16777226; mod 3 = 2.
        #expect(ClientAddress.ipv4(10, 0, 0, 1).ipHash == 16_777_226)
        let observed14 = router.pick("k", client: .ipv4(10, 0, 0, 1))?.address
        #expect(observed14 == "n2")
        #expect(router.pick("k", client: .ipv4(10, 0, 0, 2))?.address == "n0")  // 0x0200000A mod 3 = 0
    }

    @Test func deadNodeShiftsOverAliveIndex() throws {
        var router = try router()
        _ = try router.kick(OperatorTarget(key: "k", address: "n0"))
        // Two alive nodes now: 0x0100000A mod 2 = 0 → first alive = n1.
        let observed15 = router.pick("k", client: .ipv4(10, 0, 0, 1))?.address
        #expect(observed15 == "n1")
    }

    @Test func ipv6UsesDjb33xOfTheSixteenBytes() throws {
        var router = try router()
        let bytes: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]
        let hash = SubscriptionHash.djb33x(bytes)
        #expect(ClientAddress.ipv6(bytes).ipHash == hash)
        let observed16 = router.pick("k", client: .ipv6(bytes))?.address
        #expect(observed16 == "n\(hash % 3)")
    }

    @Test func nonIPClientGetsNoNode() throws {
        var router = try router()
        let observed17 = router.pick("k", client: .other)
        #expect(observed17 == nil)
        let observed18 = router.pick("k", client: nil)
        #expect(observed18 == nil)
    }
}
