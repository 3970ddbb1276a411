import RouterCoreTesting
import Testing
@testable import FleetApp

extension DemoFleet {
    /// Starts an embedded demo fleet, runs `body` with it, and stops it whether `body` returns
    /// or throws. The stop is awaited here, in the test's own task (a stop left to an
    /// unstructured task would run on into later tests, unobserved), and must come back within
    /// `DemoFleet.stopLimit`.
    static func withEmbedded<T>(
        _ options: Options = .underTest, _ body: (DemoFleet) async throws -> T
    ) async throws -> T {
        let demo = try await FleetServices.demoFleet(options.scaledBounds)
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
        return try result.get()
    }
}

extension DemoFleet.Options {
    /// The standard demo, with its bounds stretched by a sanitizer's slowdown.
    static var underTest: Self { standard.scaledBounds }

    /// These options with the cancellation backstop and the control's call timeout stretched by
    /// a sanitizer's slowdown.
    var scaledBounds: Self {
        var options = self
        options.cancellationBackstop = Slowdown.scaled(.seconds(10))
        options.callTimeout = 2 * Double(Slowdown.factor)
        return options
    }
}
