import NIOConcurrencyHelpers
import NIOCore
import RouterCore
import RouterCoreTesting
import RouterWire
import Testing
@testable import RouterRuntime

/// Each worker routes on its own replica of the routing state: leases per worker, counters
/// folded across workers, death marks told to every worker, control-side changes applied to
/// every replica while the workers route.
@Suite("RouterEngine: one replica of the routing state per worker")
struct RouterEngineReplicaTests {
    /// A subscription router on the harness's two workers, with `nodes` announced under `key`.
    static func engine(nodes: [String], key: String = "app.local", extra: [String] = []) throws -> RouterEngine {
        let engine = try RouterEngineTests.engine(["--http", ":0", "--http-subscription-server", "127.0.0.1:0"] + extra)
        for address in nodes {
            try engine.receive(RouterEngineTests.datagram(SubscriptionPacket(key: key, address: address)))
        }
        return engine
    }

    /// The target routed to for `key` on `worker`; throws on a refusal.
    static func route(_ engine: RouterEngine, worker: Int, key: String = "app.local") throws -> UpstreamTarget {
        let decision = engine.route(key: ByteBuffer(string: key), clientAddress: nil, worker: worker)
        guard case .node(let target) = decision else { throw TestTimeout(what: "a node on worker \(worker), got \(decision)") }
        return target
    }

    static func leasesInFlight(_ engine: RouterEngine) -> [Int] {
        engine.replicas.map { $0.core.withLockedValue { $0.leases.count } }
    }

    @Test("a lease names the worker that issued it; each worker's sessions are in its own table")
    func leasesPerWorker() throws {
        let engine = try Self.engine(nodes: ["127.0.0.1:4001"])
        #expect(engine.replicas.count == engine.sessions.workers.count && engine.replicas.count == 2)
        let zero = try Self.route(engine, worker: 0)
        let one = try Self.route(engine, worker: 1)
        #expect(LeaseTable.worker(of: zero.lease.rawValue) == 0 && LeaseTable.worker(of: one.lease.rawValue) == 1)
        #expect(Self.leasesInFlight(engine) == [1, 1])
        engine.connected(one.lease)
        engine.finished(one.lease, bytesFromNode: 7, bytesToNode: 2)
        #expect(Self.leasesInFlight(engine) == [1, 0])
        // A second finish of the same lease is ignored; worker 0's session is untouched.
        engine.finished(one.lease, bytesFromNode: 7, bytesToNode: 2)
        #expect(Self.leasesInFlight(engine) == [1, 0])
        #expect(engine.withState { $0.table.slot(for: "app.local")?.node(address: "127.0.0.1:4001")?.tx } == 7)
        // A worker outside the transport routes on worker 0's replica.
        let outside = try Self.route(engine, worker: 99)
        #expect(LeaseTable.worker(of: outside.lease.rawValue) == 0)
        engine.finished(zero.lease, bytesFromNode: 0, bytesToNode: 0)
        engine.finished(outside.lease, bytesFromNode: 0, bytesToNode: 0)
        #expect(Self.leasesInFlight(engine) == [0, 0])
    }

    @Test("a lease table finds only its own worker's leases")
    func leaseTableWorkerBits() {
        var zero = LeaseTable(worker: 0)
        var three = LeaseTable(worker: 3)
        let a = zero.insert(RoutingSessionStateMachine())
        let b = three.insert(RoutingSessionStateMachine())
        #expect(a != 0 && b != 0 && a != b)
        #expect(LeaseTable.worker(of: b) == 3)
        // Same slot, same generation, another worker: not found.
        #expect(zero.remove(b) == nil && three.remove(a) == nil)
        #expect(zero.remove(a) != nil && three.remove(b) != nil)
        // Generations wrap within their 22 bits and never make a lease 0 or a stale one valid.
        var table = LeaseTable(worker: 1)
        var previous = table.insert(RoutingSessionStateMachine())
        for _ in 0..<5 {
            _ = table.remove(previous)
            let next = table.insert(RoutingSessionStateMachine())
            #expect(next != previous && LeaseTable.worker(of: next) == 1)
            #expect(table.remove(previous) == nil)
            previous = next
        }
    }

    @Test("counters, hits, traffic and references are folded across workers in state, counters and stats")
    func countersFolded() async throws {
        let engine = try Self.engine(nodes: ["127.0.0.1:4001", "127.0.0.1:4002"])
        for (worker, requests) in [(0, 3), (1, 2)] {
            for _ in 0..<requests {
                let target = try Self.route(engine, worker: worker)
                engine.connected(target.lease)
                engine.finished(target.lease, bytesFromNode: 100, bytesToNode: 10)
            }
        }
        let held = try Self.route(engine, worker: 1)
        engine.connected(held.lease)
        guard case .refused(.noNode) = engine.route(key: ByteBuffer(string: "nobody"), clientAddress: nil, worker: 1) else {
            Issue.record("expected no node")
            return
        }
        let counters = engine.counters
        #expect(counters.connects == 6 && counters.lookups == 7 && counters.noNode == 1)
        let nodes = try #require(engine.withState { $0.table.slot(for: "app.local")?.nodes })
        #expect(nodes.reduce(0) { $0 + $1.requests } == 6)
        #expect(nodes.reduce(0) { $0 + $1.tx } == 500 && nodes.reduce(0) { $0 + $1.rx } == 50)
        #expect(nodes.reduce(0) { $0 + $1.ref } == 1)
        // Each worker balances its own requests: worker 0 went a, b, a; worker 1 a, b, a.
        #expect(nodes.map(\.requests) == [4, 2])
        let document = try await engine.statsDocument()
        let listed = document.subscriptions?.flatMap(\.nodes) ?? []
        #expect(listed.reduce(0) { $0 + $1.requests } == 6)
        #expect(listed.reduce(0) { $0 + $1.ref } == 1)
        engine.finished(held.lease, bytesFromNode: 0, bytesToNode: 0)
        #expect(engine.withState { $0.table.slot(for: "app.local")?.nodes.reduce(0) { $0 + $1.ref } } == 0)
    }

    @Test("a node that fails on one worker is dead for every worker, and leaves when the last worker lets it go")
    func deathMarkReachesEveryWorker() throws {
        let engine = try Self.engine(nodes: ["127.0.0.1:4001", "127.0.0.1:4002"])
        // Both workers start with the same node (equal weights, fresh credit).
        let heldByZero = try Self.route(engine, worker: 0)
        let failing = try Self.route(engine, worker: 1)
        let dead = failing.endpoint.name
        #expect(heldByZero.endpoint.name == dead)
        let retry = engine.connectFailed(failing.lease, error: ChannelError.connectTimeout(.seconds(1)))
        guard case .node(let next) = retry else {
            Issue.record("expected a retry, got \(retry)")
            return
        }
        #expect(next.endpoint.name != dead && next.lease == failing.lease)
        // Worker 0 still holds the dead node: listed dead, never chosen again by either worker.
        let node = try #require(engine.withState { $0.table.slot(for: "app.local")?.node(address: dead) })
        #expect(node.deathMark && node.ref == 1 && node.failcnt == 1)
        for worker in [0, 1, 0, 1, 0, 1] {
            let target = try Self.route(engine, worker: worker)
            #expect(target.endpoint.name != dead, "worker \(worker) chose the dead node")
            engine.finished(target.lease, bytesFromNode: 0, bytesToNode: 0)
        }
        #expect(engine.knows(OperatorTarget(key: "app.local", address: dead)))
        engine.finished(heldByZero.lease, bytesFromNode: 0, bytesToNode: 0)
        engine.finished(next.lease, bytesFromNode: 0, bytesToNode: 0)
        #expect(!engine.knows(OperatorTarget(key: "app.local", address: dead)))
        #expect(engine.counters.connectFailures == 1 && engine.counters.retries == 1)
    }

    @Test("a cheap router goes cheap once, when its last node fails on one worker")
    func cheapOnceAcrossWorkers() async throws {
        let engine = try Self.engine(nodes: ["127.0.0.1:4001"], extra: ["--http-cheap"])
        let events = engine.events()
        #expect(!engine.isCheap)
        let target = try Self.route(engine, worker: 1)
        let decision = engine.connectFailed(target.lease, error: ChannelError.connectTimeout(.seconds(1)))
        guard case .refused(.retriesExhausted) = decision else {
            Issue.record("expected a refusal, got \(decision)")
            return
        }
        #expect(engine.isCheap)
        try engine.receive(RouterEngineTests.datagram(SubscriptionPacket(key: "app.local", address: "127.0.0.1:4002")))
        #expect(!engine.isCheap)
        var cheapEvents: [RouterEvent] = []
        for await event in events {
            if case .cheapEntered = event { cheapEvents.append(event) }
            if case .cheapLeft = event {
                cheapEvents.append(event)
                break
            }
        }
        #expect(cheapEvents == [.cheapEntered, .cheapLeft])
    }

    @Test("subscriptions and unsubscribes land on every worker's replica while both workers route")
    func updatesWhileRouting() async throws {
        let engine = try Self.engine(nodes: ["127.0.0.1:4001", "127.0.0.1:4002"])
        let workers = engine.sessions.workers
        #expect(workers.count == 2)
        // Set once the unsubscribe is applied to every replica: no route begun after it may
        // choose that node. Each worker goes on for `tail` routes after seeing it.
        let unsubscribed = NIOLockedValueBox(false)
        // The bounds only end a broken run: the workers route on their own threads, and on a
        // loaded machine (or under a sanitizer) they ran 200,000 routes each before the starved
        // control side had sent its updates.
        let bound = 50_000_000, tail = 500
        let until = ContinuousClock.now + Slowdown.scaled(.seconds(60))
        // Each worker tells once: when it has routed 50 times, or when it stops before that.
        let (routing50, routing50Continuation) = AsyncStream<Void>.makeStream()
        let routing = workers.enumerated().map { index, worker in
            Task {
                try await worker.run { () -> (routed: Int, gone: Int, new: Int, tail: Int, removed: Int) in
                    var routed = 0, gone = 0, new = 0, after = 0, removed = 0
                    defer { if routed < 50 { routing50Continuation.yield() } }
                    while routed < bound && after < tail && (routed % 1024 != 0 || ContinuousClock.now < until) {
                        let unsubscribedBefore = unsubscribed.withLockedValue { $0 }
                        if unsubscribedBefore { after += 1 }
                        guard case .node(let target) = engine.route(
                            key: ByteBuffer(string: "app.local"), clientAddress: nil, worker: index) else { continue }
                        engine.connected(target.lease)
                        let name = target.endpoint.name
                        if name == "127.0.0.1:4002" {
                            removed += 1
                            if unsubscribedBefore { gone += 1 }
                        }
                        if name != "127.0.0.1:4001" && name != "127.0.0.1:4002" { new += 1 }
                        engine.finished(target.lease, bytesFromNode: 1, bytesToNode: 1)
                        routed += 1
                        if routed == 50 { routing50Continuation.yield() }
                    }
                    return (routed, gone, new, after, removed)
                }
            }
        }
        // The control side starts once both workers route, then adds nodes and unsubscribes one.
        var told = 0
        for await _ in routing50 {
            told += 1
            if told == workers.count { break }
        }
        for port in 4003...4010 {
            try engine.receive(RouterEngineTests.datagram(SubscriptionPacket(key: "app.local", address: "127.0.0.1:\(port)", weight: 2)))
        }
        try engine.receive(RouterEngineTests.datagram(SubscriptionPacket(command: .unsubscribe(1), key: "app.local", address: "127.0.0.1:4002")))
        unsubscribed.withLockedValue { $0 = true }
        var routed = 0, removed = 0
        for task in routing {
            let result = try await task.value
            routed += result.routed
            removed += result.removed
            #expect(result.gone == 0, "a worker routed to a node unsubscribed before")
            #expect(result.new > 0 && result.tail == tail, "a worker did not route on after the updates")
        }
        #expect(engine.counters.connects == UInt64(routed))
        #expect(Self.leasesInFlight(engine) == [0, 0])
        let nodes = try #require(engine.withState { $0.table.slot(for: "app.local")?.nodes })
        // The unsubscribed node left with its own counts.
        #expect(nodes.reduce(0) { $0 + $1.requests } == UInt64(routed - removed))
        #expect(nodes.reduce(0) { $0 + $1.ref } == 0)
        #expect(nodes.reduce(0) { $0 + $1.tx } == UInt64(routed - removed))
        // Every replica holds the same nodes: the unsubscribed one gone, the new ones present.
        let expected = Set(([4001] + Array(4003...4010)).map { "127.0.0.1:\($0)" })
        for replica in engine.replicas {
            let addresses = replica.core.withLockedValue { core in
                core.state.table.slot(for: "app.local")?.nodes.map(\.address) ?? []
            }
            #expect(Set(addresses) == expected)
        }
    }
}
