import CLeanSockets
import NIOConcurrencyHelpers
import NIOCore
import SocketSupport

#if canImport(Glibc)
import Glibc
#endif

/// Where a raw exchange connects: an address NIO can express (an IP literal, a unix socket
/// file) or a Linux abstract name.
enum RawDestination: Sendable, Hashable {
    /// An IP literal's or a socket file's address.
    case address(SocketAddress)
    /// An abstract unix socket (name without the `@`).
    case abstract(String)

    /// The raw destination of `target`; nil for a host name (NIO resolves it off the loop) and
    /// for a unix path that fits no socket address (NIO names that failure).
    init?(_ target: StreamTarget) {
        switch target {
        case .inet:
            guard let address = target.literalAddress else { return nil }
            self = .address(address)
        case .unix(let path):
            guard let address = try? SocketAddress(unixDomainSocketPath: path) else { return nil }
            self = .address(address)
        case .abstract(let name):
            self = .abstract(name)
        }
    }

    /// The socket family to connect with.
    var family: CInt {
        switch self {
        case .address(let address): return address.protocol.rawValue
        case .abstract: return AF_UNIX
        }
    }

    /// Starts a connect of `fd` here: 0, or -1 with `errno`.
    func connect(_ fd: CInt) -> CInt {
        switch self {
        case .address(let address):
            return address.withSockAddr { Glibc.connect(fd, $0, socklen_t($1)) }
        case .abstract(let name):
            return SocketPrimitives.withAbstractAddress(name) { Glibc.connect(fd, $0, $1) }
        }
    }
}

/// One thread with one epoll set running every raw stats exchange of the process
/// (`RawExchangeStateMachine`): the caller creates the non-blocking socket and starts its
/// connect, the socket joins the set (edge-triggered), and this thread sends the request,
/// reads the answer in place, closes and completes. One timerfd, armed at the earliest
/// deadline, ends the exchanges whose time ran out. A poll costs a socket, a connect, an
/// `epoll_ctl`, a read or two and a close: no channel, pipeline, promise or task hop of its
/// own (NIO's per-connection setup was most of a poll's cost outside the decoder).
final class RawExchangeLoop: @unchecked Sendable {
    /// The process's loop, started on first use; nil when epoll or the timer cannot be had
    /// (polls then go through NIO).
    static let shared: RawExchangeLoop? = RawExchangeLoop()

    /// The first read's room: a stats document of 20 nodes is 6 to 9 KB, so it comes in one.
    static let readSize = 16 * 1024

    private let epoll: CInt
    private let timer: CInt
    private let lock = NIOLock()
    /// Exchanges started and not yet ended, each knowing its slot (guarded by `lock`).
    private var inFlight: [Exchange] = []
    /// The deadline the timer is armed at, 0 when disarmed (guarded by `lock`).
    private var armedDeadline: UInt64 = 0

    /// The epoll data of the timer (an exchange's is its address, never 0).
    private static let timerToken: UInt64 = 0

    private init?() {
        epoll = lean_epoll_create()
        guard epoll >= 0 else { return nil }
        timer = lean_timerfd_create()
        guard timer >= 0 else {
            close(epoll)
            return nil
        }
        guard lean_epoll_add(epoll, timer, lean_epollin, Self.timerToken) == 0 else {
            close(timer)
            close(epoll)
            return nil
        }
        let start = Unmanaged.passRetained(self).toOpaque()
        var handle = pthread_t()
        let created = pthread_create(&handle, nil, { argument in
            guard let argument else { return nil }
            _ = lean_set_thread_name("fleettop-polls")
            Unmanaged<RawExchangeLoop>.fromOpaque(argument).takeRetainedValue().run()
            return nil
        }, start)
        guard created == 0 else {
            Unmanaged<RawExchangeLoop>.fromOpaque(start).release()
            close(timer)
            close(epoll)
            return nil
        }
        pthread_detach(handle)
    }

    /// Connects to `destination`, sends `request` (if any), and reads one answer of at most
    /// `limit` bytes, all within `timeout`.
    func exchange(
        _ destination: RawDestination, request: ByteBuffer?, framing: ResponseReadStateMachine.Framing,
        limit: Int, timeout: Duration
    ) async -> Result<ResponseReadStateMachine.Response, ExchangeFailure> {
        // Handed over through a lock as well as the continuation: the answer's buffer was
        // written on the loop's thread, and ThreadSanitizer does not see the continuation's
        // ordering (uninstrumented atomics in the concurrency runtime, swiftlang/swift#57803).
        let handover = NIOLockedValueBox<Result<ResponseReadStateMachine.Response, ExchangeFailure>?>(nil)
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            start(destination, request: request, framing: framing, limit: limit, timeout: timeout) { result in
                handover.withLockedValue { $0 = result }
                continuation.resume()
            }
        }
        return handover.withLockedValue { $0 } ?? .failure(.connection(reason: "the exchange ended without an outcome"))
    }

    /// Starts an exchange; `completion` runs once, on this thread or the loop's.
    func start(
        _ destination: RawDestination, request: ByteBuffer?, framing: ResponseReadStateMachine.Framing,
        limit: Int, timeout: Duration,
        completion: @escaping @Sendable (Result<ResponseReadStateMachine.Response, ExchangeFailure>) -> Void
    ) {
        var machine = RawExchangeStateMachine(request: request, reader: ResponseReadStateMachine(framing: framing, limit: limit))
        let deadline = Self.deadline(after: timeout)
        let fd = lean_stream_socket(destination.family)
        guard fd >= 0 else {
            completion(.failure(machine.failed(error: lean_errno())))
            return
        }
        if destination.connect(fd) != 0 {
            let code = lean_errno()
            // In progress (TCP) or not: a unix connect completes or fails at once.
            if code != EINPROGRESS && code != EINTR {
                close(fd)
                completion(.failure(machine.connectFinished(error: code) ?? .connection(reason: "connect failed")))
                return
            }
        }
        let exchange = Exchange(fd: fd, machine: machine, deadline: deadline, completion: completion)
        // Without a request, the connect's end is no event of its own (a failed one reports an
        // error): the answer's first bytes tell it.
        let token = UInt64(UInt(bitPattern: Unmanaged.passUnretained(exchange).toOpaque()))
        let events = lean_epollin | lean_epollrdhup | lean_epollet | (request == nil ? 0 : lean_epollout)
        // The socket joins the set under the lock that the deadline's expiry takes: an expiry
        // cannot close it (and its number be reused by another socket) before it is watched.
        let refusal = lock.withLock { () -> String? in
            guard lean_epoll_add(epoll, fd, events, token) == 0 else { return "cannot watch the socket: \(SocketPrimitives.lastError())" }
            exchange.slot = inFlight.count
            inFlight.append(exchange)
            if armedDeadline == 0 || deadline < armedDeadline {
                armedDeadline = deadline
                _ = lean_timerfd_arm(timer, deadline)
            }
            return nil
        }
        // From here the loop owns the exchange.
        if let refusal {
            close(fd)
            completion(.failure(.connection(reason: refusal)))
        }
    }

    /// `timeout` from now on the timer's clock, in nanoseconds (saturating; never 0, which
    /// would disarm the timer).
    static func deadline(after timeout: Duration) -> UInt64 {
        let now = lean_monotonic_ns()
        let (seconds, attoseconds) = timeout.components
        guard seconds >= 0, attoseconds >= 0 else { return max(now, 1) }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return UInt64.max }
        let (span, overflow2) = whole.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        guard !overflow2 else { return UInt64.max }
        let (sum, overflow3) = now.addingReportingOverflow(span)
        return overflow3 ? UInt64.max : max(sum, 1)
    }

    /// Takes `exchange` out of `inFlight`; false when it was out already. Call under `lock`.
    private func remove(_ exchange: Exchange) -> Bool {
        let slot = exchange.slot
        guard slot >= 0, slot < inFlight.count, inFlight[slot] === exchange else { return false }
        let last = inFlight.removeLast()
        if last !== exchange {
            inFlight[slot] = last
            last.slot = slot
        }
        exchange.slot = -1
        return true
    }

    private func run() {
        let capacity: CInt = 64
        var events = [lean_event](repeating: lean_event(), count: Int(capacity))
        while true {
            let count = events.withUnsafeMutableBufferPointer { lean_epoll_wait(epoll, $0.baseAddress, capacity, -1) }
            guard count >= 0 else {
                // EINTR; anything else would repeat at once: give other threads the core.
                if lean_errno() != EINTR { usleep(1000) }
                continue
            }
            // The callers set each exchange up before its socket joined the set, releasing the
            // lock after: acquiring it once per wait orders that before the events, for
            // ThreadSanitizer too (it cannot see the ordering through epoll).
            lock.withLock {}
            var timerFired = false
            for index in 0..<Int(count) {
                let event = events[index]
                guard event.data != Self.timerToken, let pointer = UnsafeRawPointer(bitPattern: UInt(event.data)) else {
                    timerFired = true
                    continue
                }
                // Alive: `inFlight` holds it until it ends, and an ended exchange's socket leaves
                // the set (`closeWatched`), so no later wait reports it; each socket appears once
                // per wait.
                let exchange = Unmanaged<Exchange>.fromOpaque(pointer).takeUnretainedValue()
                if let outcome = exchange.handle(event.events) { end(exchange, outcome) }
            }
            // After the events: an exchange they ended is not also timed out.
            if timerFired { expire() }
        }
    }

    private func end(_ exchange: Exchange, _ outcome: Result<ResponseReadStateMachine.Response, ExchangeFailure>) {
        guard lock.withLock({ remove(exchange) }) else { return }
        closeWatched(exchange.fd)
        exchange.completion(outcome)
    }

    /// Takes an ended exchange's socket out of the set, then closes it. The close alone would
    /// not always end the watch: a child process forked at that moment holds the socket until
    /// its exec, and meanwhile a wait could report the freed exchange's address.
    private func closeWatched(_ fd: CInt) {
        _ = lean_epoll_delete(epoll, fd)
        close(fd)
    }

    /// Ends the exchanges past their deadline and arms the timer at the next one.
    private func expire() {
        var fired: UInt64 = 0
        _ = read(timer, &fired, MemoryLayout<UInt64>.size)
        let now = lean_monotonic_ns()
        let expired = lock.withLock { () -> [Exchange] in
            var expired: [Exchange] = []
            var index = 0
            while index < inFlight.count {
                let exchange = inFlight[index]
                if exchange.deadline <= now, remove(exchange) {
                    expired.append(exchange)
                } else {
                    index += 1
                }
            }
            armedDeadline = inFlight.lazy.map(\.deadline).min() ?? 0
            _ = lean_timerfd_arm(timer, armedDeadline)
            return expired
        }
        for exchange in expired {
            // A connect that ended well reported nothing (see `start`): ask the socket.
            if exchange.machine.isConnecting, Self.isConnected(exchange.fd) {
                _ = exchange.machine.connectFinished(error: 0)
            }
            closeWatched(exchange.fd)
            exchange.completion(.failure(exchange.machine.deadlinePassed()))
        }
    }

    /// Whether `fd` is connected (it has a peer).
    private static func isConnected(_ fd: CInt) -> Bool {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) == 0 }
        }
    }

    /// One exchange in flight: its socket, its machine (the loop's thread alone runs it once
    /// the socket is in the set) and its place in `inFlight`.
    private final class Exchange {
        let fd: CInt
        var machine: RawExchangeStateMachine
        let deadline: UInt64
        let completion: @Sendable (Result<ResponseReadStateMachine.Response, ExchangeFailure>) -> Void
        /// The index in `inFlight`, -1 once out (guarded by the loop's lock).
        var slot = -1

        init(
            fd: CInt, machine: RawExchangeStateMachine, deadline: UInt64,
            completion: @escaping @Sendable (Result<ResponseReadStateMachine.Response, ExchangeFailure>) -> Void
        ) {
            self.fd = fd
            self.machine = machine
            self.deadline = deadline
            self.completion = completion
        }

        /// Carries out the machine's steps for the readiness `events`; the outcome once the
        /// exchange ended, nil to wait for the next edge.
        func handle(_ events: UInt32) -> Result<ResponseReadStateMachine.Response, ExchangeFailure>? {
            if machine.isConnecting {
                let code = events & (lean_epollerr | lean_epollhup) != 0 ? lean_socket_error(fd) : 0
                if let failure = machine.connectFinished(error: code) { return .failure(failure) }
            }
            let readable = events & (lean_epollin | lean_epollrdhup | lean_epollhup | lean_epollerr) != 0
            let peerClosed = events & (lean_epollrdhup | lean_epollhup) != 0
            while let next = machine.next {
                switch next {
                case .send(let rest):
                    let count = rest.withUnsafeReadableBytes { lean_send(fd, $0.baseAddress, $0.count) }
                    guard count >= 0 else {
                        let code = lean_errno()
                        if code == EINTR { continue }
                        if code == EAGAIN || code == EWOULDBLOCK { return nil }
                        return .failure(machine.failed(error: code))
                    }
                    machine.sent(count)
                case .read:
                    // Nothing to read yet (the connect's or the request's edge): wait for one.
                    guard readable else { return nil }
                    var count = 0
                    var room = 0
                    var code: CInt = 0
                    if let outcome = machine.received(atMost: RawExchangeLoop.readSize, { buffer in
                        room = buffer.count
                        count = Glibc.read(fd, buffer.baseAddress, buffer.count)
                        if count < 0 { code = lean_errno() }
                        return count
                    }) {
                        return outcome
                    }
                    if count > 0 {
                        // The peer had closed when the wait returned and this read drained what
                        // it sent: that is the end, without one more read to see it.
                        if peerClosed && count < room { return machine.endOfInput() }
                        continue
                    }
                    if count == 0 { return machine.endOfInput() }
                    if code == EINTR { continue }
                    if code == EAGAIN || code == EWOULDBLOCK { return nil }
                    return .failure(machine.failed(error: code))
                }
            }
            return nil
        }
    }
}
