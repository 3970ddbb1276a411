import FleetModel
import FleetModelTesting
import RouterWire
import Testing
@testable import FleetClient

/// A control that holds each poll until `limit` polls are waiting (or all `total` started),
/// so the poller's concurrency is driven to its bound and measured there.
private actor GateControl: FleetControl {
    let limit: Int
    let total: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private(set) var inFlight = 0
    private(set) var maximumInFlight = 0
    private(set) var started = 0
    private(set) var pollsPerRouter: [RouterID: Int] = [:]

    init(limit: Int, total: Int) {
        self.limit = limit
        self.total = total
    }

    func poll(_ router: RouterEndpoint) async throws -> StatsDocument {
        started += 1
        inFlight += 1
        maximumInFlight = max(maximumInFlight, inFlight)
        pollsPerRouter[router.id, default: 0] += 1
        if inFlight >= limit || started >= total {
            // Give a poller that overshoots its bound the chance to start one more poll before
            // the held ones finish, so the maximum would show it: a short window in which the
            // actor is free, not a count of yields (200 yields per batch took minutes when
            // CPU-bound suites held the cooperative pool, as under a sanitizer).
            try? await Task.sleep(for: .milliseconds(2))
            for continuation in waiting { continuation.resume() }
            waiting.removeAll()
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
        inFlight -= 1
        return Samples.fleetrouter(admin: nil)
    }

    func apply(_ edit: FleetEdit, to router: RouterEndpoint, reach: EditReach) async throws -> EditOutcome {
        .refused(reason: "not in this test")
    }
}

/// The background poller: bounds, backoff, commands, and real fake servers.
@Suite struct FleetPollerTests {
    private func endpoints(_ count: Int) -> [RouterEndpoint] {
        (0..<count).map { RouterEndpoint(name: "r\($0)", stats: .tcp(host: "127.0.0.1", port: UInt16(10_000 + $0))) }
    }

    @Test func concurrencyBoundHoldsOver200Routers() async {
        let control = GateControl(limit: 8, total: 200)
        let poller = FleetPoller(control: control, endpoints: endpoints(200),
                                 // An interval no run reaches, so every router is polled once (a
                                 // starved run took over 60 s to get through all 200).
                                 configuration: .init(interval: .seconds(3600), maximumConcurrentPolls: 8))
        poller.start()
        poller.refreshNow()
        defer { poller.stop() }
        let results = await collect(poller.results) { $0.count >= 200 }
        #expect(results.count == 200)
        #expect(Set(results.map(\.router)).count == 200)
        #expect(await control.maximumInFlight == 8)
        #expect(await control.pollsPerRouter.values.allSatisfy { $0 == 1 })
    }

    @Test func failingRouterBacksOffAndResetsOnSuccess() async {
        let fleet = [RouterEndpoint(name: "bad", stats: .tcp(host: "127.0.0.1", port: 1))]
        let control = FakeFleetControl(pollErrors: ["bad": "down"])
        let backoff = BackoffPolicy(initial: .milliseconds(20), maximum: .milliseconds(80))
        let poller = FleetPoller(control: control, endpoints: fleet, configuration: .init(interval: .milliseconds(10), backoff: backoff))
        poller.start()
        defer { poller.stop() }
        let failures = await collect(poller.results) { $0.count >= 5 }
        #expect(failures.map(\.consecutiveFailures) == [1, 2, 3, 4, 5])
        #expect(failures.map(\.retryIn) == [20, 40, 80, 80, 80].map { Duration.milliseconds($0) })
        #expect(failures.first.map { "\($0.result)" }?.contains("down") == true)

        await control.setDocument(Samples.fleetrouter(admin: nil), for: "bad")
        let recovered = await collect(poller.results) { $0.last.map { (try? $0.result.get()) != nil } ?? false }
        let last = recovered.last
        #expect(last?.consecutiveFailures == 0)
        #expect(last?.retryIn == nil)
    }

    @Test func pauseStopsNewPollsAndResumeRestartsThem() async {
        let control = FakeFleetControl(documents: ["r0": Samples.fleetrouter(admin: nil)])
        let poller = FleetPoller(control: control, endpoints: Array(endpoints(1)), configuration: .init(interval: .milliseconds(20)))
        poller.pause()
        #expect(poller.isPaused)
        poller.start()
        defer { poller.stop() }
        // Proving that nothing happens needs time to pass: 20 ticks of 5 ms.
        try? await Task.sleep(for: .milliseconds(100))
        #expect(await control.pollCounts["r0"] == nil)
        poller.resume()
        #expect(!poller.isPaused)
        let results = await collect(poller.results) { $0.count >= 2 }
        #expect(results.count == 2)
    }

    @Test func setEndpointsAddsAndDropsRouters() async {
        let document = Samples.fleetrouter(admin: nil)
        let control = FakeFleetControl(documents: ["r0": document, "r1": document])
        let all = endpoints(2)
        let poller = FleetPoller(control: control, endpoints: [all[0]], configuration: .init(interval: .milliseconds(20)))
        poller.start()
        defer { poller.stop() }
        _ = await collect(poller.results) { $0.contains { $0.router == "r0" } }
        poller.setEndpoints([all[1]])
        let later = await collect(poller.results) { $0.contains { $0.router == "r1" } }
        #expect(later.contains { $0.router == "r1" })
    }

    @Test func stopFinishesTheStream() async {
        let poller = FleetPoller(control: FakeFleetControl(), endpoints: endpoints(3), configuration: .init(interval: .milliseconds(20)))
        poller.start()
        poller.stop()
        var count = 0
        for await _ in poller.results { count += 1 }
        #expect(count <= 3)
    }

    /// On raw sockets the poller's polls complete on the control's thread; through NIO, by a task.
    @Test(arguments: [true, false])
    func realServersFeedAFleetSnapshot(rawSockets: Bool) async throws {
        let good = try await FakeStatsServer.start(.writeOnConnect(Samples.uwsgiRaw))
        let hang = try await FakeStatsServer.start(.hang)
        let garbage = try await FakeStatsServer.start(.writeOnConnect(Array("garbage".utf8)))
        defer { Task { await good.stop(); await hang.stop(); await garbage.stop() } }
        let fleet = [
            RouterEndpoint(name: "good", stats: good.address),
            RouterEndpoint(name: "hang", stats: hang.address),
            RouterEndpoint(name: "garbage", stats: garbage.address),
            RouterEndpoint(name: "closed", stats: .tcp(host: "127.0.0.1", port: try TestSockets.closedPort())),
        ]
        let control = NIOFleetControl(configuration: .init(timeout: .milliseconds(300), rawSocketPolls: rawSockets))
        let poller = FleetPoller(control: control, endpoints: fleet, configuration: .init(interval: .milliseconds(50)))
        poller.start()
        defer { poller.stop() }
        let results = await collect(poller.results) { Set($0.map(\.router)).count == 4 && $0.filter { $0.router == "good" }.count >= 2 }

        var snapshot = FleetSnapshot(endpoints: fleet)
        for (index, result) in results.enumerated() {
            snapshot.record(result.untypedResult, for: result.router, at: FleetInstant(secondsSinceEpoch: Double(index)))
        }
        #expect(snapshot["good"]?.latest?.version == "2.0.21-debian")
        #expect(snapshot["hang"]?.lastError?.contains("no complete answer within 0.3 s") == true)
        #expect(snapshot["garbage"]?.lastError?.contains("not a stats document") == true)
        #expect(snapshot["closed"]?.lastError?.contains("connection refused") == true)
    }
}
