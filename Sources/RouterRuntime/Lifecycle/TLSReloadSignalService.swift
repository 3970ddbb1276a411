import ServiceLifecycle
import UnixSignals

/// Reloads every TLS router's certificates on SIGHUP (as nginx and HAProxy do), until the
/// process stops: each listener's files and the SNI certificates are read again, open
/// connections keep theirs, and a bad file keeps the old context (logged and counted, see
/// `TLSRouterSupport.reload`). Runs only when the process handles signals.
struct TLSReloadSignalService: Service {
    /// The TLS routers' shared state.
    let routers: [TLSRouterSupport]

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            for router in routers { router.reload(trigger: "SIGHUP") }
        }
    }
}
