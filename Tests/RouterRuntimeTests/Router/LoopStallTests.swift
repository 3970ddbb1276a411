import DataPlaneTesting
import Dispatch
import NIOCore
import NIOPosix
import RouterConfig
import Synchronization
import Testing
import RouterCoreTesting
@testable import RouterRuntime

@Suite("--xxx-harakiri: the loop-stall detector")
struct LoopStallDetectorTests {
    static let second: UInt64 = 1_000_000_000

    @Test("the first tick probes every loop")
    func firstTickProbes() {
        var detector = LoopStallDetector()
        _ = detector.watch(name: "http worker 0", limit: 2 * Self.second)
        _ = detector.watch(name: "http worker 1", limit: 2 * Self.second)
        #expect(detector.tick(now: 10) == [.probe(0), .probe(1)])
    }

    @Test("a loop that ran its probe is probed again at the next tick")
    func answeredLoopProbedAgain() {
        var detector = LoopStallDetector()
        _ = detector.watch(name: "w", limit: Self.second)
        #expect(detector.tick(now: 0) == [.probe(0)])
        detector.probeRan(0)
        #expect(detector.tick(now: Self.second / 4) == [.probe(0)])
    }

    @Test("a probe outstanding for up to the limit is no stall; beyond it, one report")
    func stallReportedOnce() {
        var detector = LoopStallDetector()
        _ = detector.watch(name: "rawrouter worker 0", limit: Self.second)
        #expect(detector.tick(now: 0) == [.probe(0)])
        #expect(detector.tick(now: Self.second / 2) == [])
        #expect(detector.tick(now: Self.second) == [])
        #expect(detector.tick(now: Self.second + 1) == [.stalled(0, name: "rawrouter worker 0", busy: Self.second + 1, limit: Self.second)])
        #expect(detector.tick(now: 5 * Self.second) == [])
    }

    @Test("a loop that refused its probe (stopped) is no longer watched")
    func refusedProbeRetires() {
        var detector = LoopStallDetector()
        _ = detector.watch(name: "a", limit: Self.second)
        _ = detector.watch(name: "b", limit: Self.second)
        _ = detector.tick(now: 0)
        detector.probeRefused(0)
        detector.probeRan(1)
        #expect(detector.tick(now: 10 * Self.second) == [.probe(1)])
    }

    @Test("a clock that goes backwards is not a stall, and unknown indices are ignored")
    func hostileInputs() {
        var detector = LoopStallDetector()
        _ = detector.watch(name: "a", limit: Self.second)
        _ = detector.tick(now: 10 * Self.second)
        #expect(detector.tick(now: 0) == [])
        detector.probeRan(7)
        detector.probeRefused(-1)
        #expect(detector.loops.count == 1)
    }

    @Test("the tick period is a quarter of the smallest limit, within 50 ms and 1 s")
    func period() {
        var detector = LoopStallDetector()
        #expect(detector.period == Self.second / 4)
        _ = detector.watch(name: "a", limit: 30 * Self.second)
        #expect(detector.period == Self.second)
        _ = detector.watch(name: "b", limit: Self.second)
        #expect(detector.period == Self.second / 4)
        _ = detector.watch(name: "c", limit: 1)
        #expect(detector.period == 50_000_000)
    }
}

@Suite("--xxx-harakiri: the watchdog on real loops")
struct LoopStallWatchdogTests {
    /// Reports of the watchdog, and a wait (bounded) for the first.
    final class Reports: Sendable {
        let seen = Mutex<[(String, TimeAmount)]>([])
        let first = DispatchSemaphore(value: 0)

        var handler: @Sendable (String, TimeAmount, TimeAmount) -> Void {
            { name, busy, _ in
                self.seen.withLock { $0.append((name, busy)) }
                self.first.signal()
            }
        }

        /// Waits off the cooperative pool, at most `seconds`.
        func waitForFirst(seconds: Int) async -> Bool {
            let semaphore = first
            return (try? await RouterHarness.blocking { semaphore.wait(timeout: .now() + .seconds(seconds)) == .success }) ?? false
        }
    }

    /// Blocks `worker` until `release` is signalled (at most 20 s).
    static func block(_ worker: any DataPlaneWorker, until release: DispatchSemaphore) {
        _ = worker.execute { _ = release.wait(timeout: .now() + .seconds(20)) }
    }

    @Test("a NIO loop stuck in one task past the limit is reported by name")
    func nioLoopStall() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let workers = NIOWorker.workers(of: group)
        let reports = Reports()
        let watchdog = try #require(LoopStallWatchdog(loops: [(workers[0], "http worker 0", .milliseconds(300))], onStall: reports.handler))
        let release = DispatchSemaphore(value: 0)
        Self.block(workers[0], until: release)
        let reported = await reports.waitForFirst(seconds: 15)
        release.signal()
        watchdog.stop()
        try await group.shutdownGracefully()
        #expect(reported)
        let seen = reports.seen.withLock { $0 }
        #expect(seen.count == 1)
        #expect(seen.first?.0 == "http worker 0")
        #expect((seen.first?.1 ?? .zero) > .milliseconds(300))
    }

    @Test("a lean loop stuck past the limit is reported; its sibling that keeps answering is not", .everyLeanTransport)
    func leanLoopStall() async throws {
        let transport = try LeanTransport(threads: 2, name: "stall", backend: RouterHarness.leanBackend)
        let reports = Reports()
        let watchdog = try #require(LoopStallWatchdog(
            loops: [(transport.workers[0], "fastrouter worker 0", .milliseconds(300)), (transport.workers[1], "fastrouter worker 1", .milliseconds(300))],
            onStall: reports.handler))
        let release = DispatchSemaphore(value: 0)
        Self.block(transport.workers[1], until: release)
        let reported = await reports.waitForFirst(seconds: 15)
        release.signal()
        watchdog.stop()
        await transport.shutdown()
        #expect(reported)
        #expect(reports.seen.withLock { $0.map(\.0) } == ["fastrouter worker 1"])
    }

    @Test("fleetrouter with --http-harakiri watches its router's workers, and stops watching at shutdown")
    func processWatchesWorkers() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let reports = Reports()
        let (configuration, _) = try RouterConfiguration.parse(
            arguments: ["--http", "127.0.0.1:0", "--http-to", "127.0.0.1:9", "--http-harakiri", "1"], fileReader: FleetRouterCommand.readFile)
        let process = try await FleetRouterProcess.start(
            configuration: configuration.onTransportUnderTest, logger: quietLogger, shutdownGrace: .seconds(1), handleSignals: false,
            announce: { _ in }, onLoopStall: reports.handler, cancellationBackstop: Slowdown.scaled(.seconds(10)))
        let release = DispatchSemaphore(value: 0)
        Self.block(process.transports[0].workers[0], until: release)
        let reported = await reports.waitForFirst(seconds: 20)
        release.signal()
        await process.shutdown()
        #expect(reported)
        #expect(reports.seen.withLock { $0.first?.0 } == "http worker 0")
    }
}
