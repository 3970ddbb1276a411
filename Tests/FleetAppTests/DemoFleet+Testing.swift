import RouterCoreTesting
import Testing
@testable import FleetApp

extension DemoFleet {
    /// Starts an embedded demo fleet, runs `body` with it, and stops it whether `body` returns
    /// or throws. The stop is awaited here, in the test's own task (a stop left to an
    /// unstructured task would run on into later tests, unobserved), and must come back within
    /// `DemoFleet.stopLimit`.
    static func withEmbedded<T>(
        _ options: Options = .standard, _ body: (DemoFleet) async throws -> T
    ) async throws -> T {
        let demo = try await FleetServices.demoFleet(options)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(demo))
        } catch {
            result = .failure(error)
        }
        let clock = ContinuousClock()
        let started = clock.now
        await demo.stop()
        let took = clock.now - started
        // One second of scheduling slack over the limit its steps share; a sanitizer's slowdown
        // stretches only the slack (the steps give up on their own deadlines).
        let limit = stopLimit + Slowdown.scaled(.seconds(1))
        #expect(took < limit, "the demo stopped within its limit (took \(took), limit \(limit))")
        await demo.expectSettled()
        return try result.get()
    }

    /// Waits (at most a minute, scaled) until the stopped demo's work has all ended: `stop`
    /// returns within its limit, but a step slow on a loaded machine finishes after it, and
    /// work left running when the test process exits is reported as leaked. A demo that never
    /// settles has a hung step, which fails here.
    func expectSettled() async {
        let settled = self.settled
        let done = await BoundedWait.run(within: Slowdown.scaled(.seconds(60))) { await settled() }
        #expect(done, "the stopped demo's tasks, router and loops all ended")
    }
}
