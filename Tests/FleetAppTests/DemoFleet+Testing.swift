import RouterCoreTesting
import Testing
@testable import FleetApp

extension DemoFleet {
    /// Starts an embedded demo fleet, runs `body` with it, and stops it whether `body` returns
    /// or throws. The stop is awaited here, in the test's own task (a stop left to an
    /// unstructured task would run on into later tests, unobserved), and must come back within
    /// `DemoFleet.stopLimit` (stretched under a sanitizer).
    static func withEmbedded<T>(
        _ options: Options = .underTest, _ body: (DemoFleet) async throws -> T
    ) async throws -> T {
        let options = options.scaledBounds
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
        // One second of scheduling slack over the limit its steps share (the steps give up on
        // their own deadlines); a sanitizer's slowdown stretches both.
        let limit = stopLimit * options.stopStretch + Slowdown.scaled(.seconds(1))
        #expect(took < limit, "the demo stopped within its limit (took \(took), limit \(limit))")
        return try result.get()
    }
}

extension DemoFleet.Options {
    /// The standard demo, with its bounds stretched by a sanitizer's slowdown.
    static var underTest: Self { standard.scaledBounds }

    /// These options with the cancellation backstop, the control's call timeout and the stop's
    /// limits stretched by a sanitizer's slowdown.
    var scaledBounds: Self {
        var options = self
        options.cancellationBackstop = Slowdown.scaled(.seconds(10))
        options.callTimeout = 2 * Double(Slowdown.factor)
        options.stopStretch = Slowdown.factor
        return options
    }
}
