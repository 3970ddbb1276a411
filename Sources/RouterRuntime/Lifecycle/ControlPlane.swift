import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// Helpers that run a router process's services (client listeners, subscription, stats and
/// admin servers) as one `ServiceGroup` with uWSGI-like signal handling: SIGTERM or SIGINT
/// stops accepting, gives in-flight work a bounded grace, then closes.
public enum ControlPlane {
    /// An event loop group for the control plane alone. Stats, admin and subscription servers
    /// bind here, never on the routing workers' group, so their clients cannot delay routing.
    public static func makeEventLoopGroup(threads: Int = 1) -> MultiThreadedEventLoopGroup {
        MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
    }

    /// A service group over `services` that shuts down gracefully on `signals` (SIGTERM and
    /// SIGINT by default), cancels services still running after `gracePeriod`, and treats
    /// any service ending or failing as the end of the whole group. `cancellationBackstop` is
    /// how long cancelled services may take to end before ServiceLifecycle stops the process
    /// with a fatal error (tests under a sanitizer give it more).
    public static func serviceGroup(
        services: [any Service],
        gracePeriod: Duration = .seconds(10),
        cancellationBackstop: Duration = .seconds(10),
        signals: [UnixSignal] = [.sigterm, .sigint],
        logger: Logger
    ) -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(
            services: services.map {
                ServiceGroupConfiguration.ServiceConfiguration(
                    service: $0,
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup
                )
            },
            gracefulShutdownSignals: signals,
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = gracePeriod
        // A backstop against a service that ignores cancellation (ServiceLifecycle then stops
        // the process with a fatal error), not a bound on how fast a loaded machine cancels:
        // 2 s, then 10 s, were exceeded under ThreadSanitizer on a loaded machine, and the test
        // process died with it; in-process tests pass a scaled backstop.
        configuration.maximumCancellationDuration = cancellationBackstop
        return ServiceGroup(configuration: configuration)
    }
}
