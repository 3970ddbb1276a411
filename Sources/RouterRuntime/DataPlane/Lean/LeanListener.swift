import CLeanSockets
import Logging
import NIOCore
import RouterWire
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What every loop's copy of one listener shares: its name, data plane, client kind and the
/// connection cap counted across loops.
final class LeanListenerShared: Sendable {
    let name: String
    let plane: DataPlane
    let connection: ClientConnection
    let limit: ConnectionLimit
    /// The bound address, as the kernel reports it.
    let localAddress: SocketAddress?
    private let open = Atomic<Int>(0)

    init(name: String, plane: DataPlane, connection: ClientConnection, limit: ConnectionLimit, localAddress: SocketAddress?) {
        self.name = name
        self.plane = plane
        self.connection = connection
        self.limit = limit
        self.localAddress = localAddress
    }

    /// Clients open now, over every loop.
    var openConnections: Int { open.load(ordering: .relaxed) }

    /// Counts a new client in; false (and the refusal counted) over the cap.
    func admit() -> Bool {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard now <= limit.maximum else {
            open.wrappingSubtract(1, ordering: .relaxed)
            limit.recordRefused()
            return false
        }
        return true
    }

    /// Counts a client out.
    func release() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }
}

/// One listening socket on one lean loop: accepts with `accept4` (non-blocking, close-on-exec,
/// the peer address in the same call), admits under the cap and starts the kind's executor on
/// this loop, so a request never leaves the thread that accepted it.
final class LeanListener: LeanPollable {
    let shared: LeanListenerShared
    let loop: LeanEventLoop
    /// The loop's index among the transport's workers (its session ring).
    let worker: Int
    let fd: CInt
    /// Whether the socket is this loop's alone (SO_REUSEPORT) rather than shared by all loops.
    let ownsSocket: Bool
    let registry: LeanConnectionRegistry
    private var accepting = false
    private var stopped = false

    init(shared: LeanListenerShared, loop: LeanEventLoop, worker: Int, fd: CInt, ownsSocket: Bool) {
        self.shared = shared
        self.loop = loop
        self.worker = worker
        self.fd = fd
        self.ownsSocket = ownsSocket
        self.registry = LeanConnectionRegistry(onRemove: { [shared] in shared.release() })
    }

    private var events: UInt32 {
        // A socket every loop watches wakes one of them (level-triggered, exclusive).
        ownsSocket ? lean_epollin | lean_epollet : lean_epollin | lean_epollexclusive
    }

    /// Starts (true) or stops (false) accepting; while stopped the kernel queues clients in the
    /// backlog. On the loop.
    func setAccepting(_ enabled: Bool) {
        guard !stopped, enabled != accepting else { return }
        accepting = enabled
        if enabled {
            do { try loop.register(fd, events: events, handler: self) } catch {
                shared.plane.logger.error("cannot watch listener \(shared.name): \(error)")
                return
            }
            acceptAll()
        } else {
            loop.unregister(fd)
        }
    }

    /// Stops accepting for good and closes the socket when it is this loop's. On the loop.
    func stop() {
        guard !stopped else { return }
        setAccepting(false)
        stopped = true
        // Ends listening at once, whoever still holds the socket (an io_uring poll whose
        // cancel has not run yet, or another loop sharing it): a connect now is refused
        // instead of waiting in the backlog of a socket nobody accepts from.
        _ = Glibc.shutdown(fd, CInt(SHUT_RDWR))
        if ownsSocket { loop.close(fd, now: true) }
    }

    func ready(_ events: UInt32) {
        acceptAll()
    }

    private func acceptAll() {
        while accepting {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = lean_accept(fd, &storage, &length)
            guard client >= 0 else {
                let error = lean_errno()
                if error == EINTR || error == ECONNABORTED { continue }
                // EINVAL: the socket was shut down (another loop sharing it is stopping).
                if error != EAGAIN && error != EWOULDBLOCK && error != EINVAL {
                    shared.plane.logger.warning("accept failed on \(shared.name): \(String(cString: strerror(error)))")
                }
                return
            }
            guard shared.admit() else {
                loop.close(client)
                continue
            }
            serve(client, address: Self.socketAddress(storage))
        }
    }

    private func serve(_ client: CInt, address: SocketAddress?) {
        let session = shared.plane.sessions.open(worker: worker, client: address, local: shared.localAddress)
        switch shared.connection {
        case .http1(let http):
            let vars: HTTPConnectionVars
            do {
                vars = try http.connectionVars(remote: address)
            } catch {
                shared.plane.logger.error("cannot encode the connection's uwsgi vars: \(error)")
                loop.close(client)
                shared.release()
                return
            }
            let connection = LeanHTTPConnection(
                loop: loop, fd: client, registry: registry, shared: http, remoteAddress: address, session: session, vars: vars, worker: worker)
            registry.add(connection)
            if connection.activate() { connection.start() }
        case .stream(let stream):
            let connection = LeanStreamConnection(loop: loop, fd: client, registry: registry, shared: stream, session: session, worker: worker)
            registry.add(connection)
            if connection.activate() { connection.start() }
        case .pty, .handler:
            // The forkpty and HTTPS drivers always ask for the NIO transport (a pty is a NIO
            // pipe channel, a redirect a NIO handler); reaching here is a wiring error,
            // answered by closing the client.
            shared.plane.logger.error("\(shared.name): the lean data plane cannot run this listener's sessions; closing the client")
            loop.close(client)
            shared.release()
        }
    }

    /// The peer address `accept4` filled in.
    static func socketAddress(_ storage: sockaddr_storage) -> SocketAddress? {
        var storage = storage
        let family = CInt(storage.ss_family)
        return withUnsafeBytes(of: &storage) { raw -> SocketAddress? in
            switch family {
            case AF_INET:
                return SocketAddress(raw.load(as: sockaddr_in.self), host: "")
            case AF_INET6:
                return SocketAddress(raw.load(as: sockaddr_in6.self), host: "")
            case AF_UNIX:
                return SocketAddress(raw.load(as: sockaddr_un.self))
            default:
                return nil
            }
        }
    }
}
