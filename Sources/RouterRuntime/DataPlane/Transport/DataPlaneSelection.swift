import Logging
import RouterConfig

/// How `--data-plane` becomes a transport: `uring` and `epoll` are what they name and fail
/// where the kernel refuses them; `auto` tries io_uring, then epoll, then NIO, logging one
/// line for each step down; `nio`, or a listener that needs TLS, is NIO.
enum DataPlaneSelection {
    /// The transport for `choice`, made by `lean` (which throws where the kernel refuses the
    /// backend) or `nio`; `router` names the router in the log lines.
    static func transport<Transport>(
        choice: DataPlaneChoice, plaintext: Bool, router: String, logger: Logger,
        lean: (LeanBackend) throws -> Transport, nio: () -> Transport
    ) throws -> Transport {
        guard plaintext else { return nio() }
        switch choice {
        case .nio:
            return nio()
        case .uring:
            return try lean(.uring)
        case .epoll:
            return try lean(.epoll)
        case .auto:
            do { return try lean(.uring) } catch {
                logger.warning("io_uring is refused here (\(error)); --\(router) runs on epoll")
            }
            do { return try lean(.epoll) } catch {
                logger.warning("the lean epoll data plane is refused here (\(error)); --\(router) runs on NIO")
                return nio()
            }
        }
    }
}
