import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// Runs one `--tuntap-router` line's loop until graceful shutdown.
struct TuntapRouterService: Service {
    let loop: TuntapRouterLoop

    func run() async throws {
        loop.start()
        try? await gracefulShutdown()
        loop.stop()
    }
}

/// Runs one `--tuntap-device "DEV SOCKET"` link until graceful shutdown; when the router ends
/// the link first, it fails (and so ends the process, as uWSGI's device thread does).
struct TuntapDeviceService: Service {
    /// The link to the router failed.
    struct LinkFailed: Error, CustomStringConvertible {
        /// Why.
        let description: String
    }

    let loop: TuntapDeviceLoop

    func run() async throws {
        loop.start()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await loop.finished.wait() }
            group.addTask { try? await gracefulShutdown() }
            await group.next()
            // Stopping completes `finished`, so the other child ends too.
            loop.stop()
            group.cancelAll()
        }
        if let failure = loop.failure {
            throw LinkFailed(description: "tuntap device \(loop.device): \(failure)")
        }
    }
}

/// Holds a `--tuntap-device "DEV"` device (no router) open until shutdown.
struct TuntapHeldDeviceService: Service {
    let fd: CInt

    func run() async throws {
        try? await gracefulShutdown()
        close(fd)
    }
}
