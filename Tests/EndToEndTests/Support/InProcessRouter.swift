import Logging
import NIOCore
import RouterConfig
import RouterRuntime
import RouterCoreTesting

/// A fleetrouter process run inside the test process for one scenario.
enum InProcessRouter {
    /// Starts fleetrouter with `arguments` (no signal handling, 200 ms grace), runs `body`
    /// with it, then shuts it down and waits for it to end, whether `body` returns or throws.
    static func with(_ arguments: [String], _ body: (FleetRouterProcess) async throws -> Void) async throws {
        let (configuration, _) = try RouterConfiguration.parse(arguments: arguments) { _ in "" }
        let router = try await FleetRouterProcess.start(
            configuration: configuration, logger: Logger(label: "end-to-end", factory: { _ in SwiftLogNoOpLogHandler() }),
            shutdownGrace: .milliseconds(200), handleSignals: false, announce: { _ in }, cancellationBackstop: Slowdown.scaled(.seconds(10)))
        let serving = Task { try? await router.run() }
        let outcome: Result<Void, any Error>
        do {
            try await body(router)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await router.shutdown()
        _ = await serving.value
        try outcome.get()
    }
}
