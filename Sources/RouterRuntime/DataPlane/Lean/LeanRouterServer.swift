import CLeanSockets
import Logging
import NIOCore
import RouterConfig
import RouterWire
import SocketSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A router's client listeners on the lean transport: N loops (`--xxx-workers`), each on its
/// own thread with its own `SO_REUSEPORT` socket per TCP listener (a unix or abstract listener
/// is one socket all loops watch), each accepting and serving its clients itself. Cheap mode
/// and graceful stop reach the loops through their eventfd.
final class LeanRouterServer: Sendable {
    /// One configured listener: its name and how its clients are served.
    struct Listener: Sendable {
        var name: String
        var kind: LeanClientKind
    }

    private let loops: [LeanEventLoop]
    private let listeners: [UncheckedListeners]
    private let shared: [LeanListenerShared]
    /// Sockets every loop shares, closed once all have stopped.
    private let sharedSockets: [CInt]
    private let socketFiles: [String]
    private let stopped = Mutex(false)

    private init(loops: [LeanEventLoop], listeners: [[LeanListener]], shared: [LeanListenerShared],
                 sharedSockets: [CInt], socketFiles: [String]) {
        self.loops = loops
        self.listeners = listeners.map(UncheckedListeners.init(listeners:))
        self.shared = shared
        self.sharedSockets = sharedSockets
        self.socketFiles = socketFiles
    }

    /// Binds every listener on `workers` loops and starts them (accepting unless cheap).
    static func start(
        listeners specs: [Listener], workers: Int, plane: DataPlane, accepting: Bool, limit: ConnectionLimit,
        threadName: String = "lean-loop", backlog: CInt = 1024
    ) throws -> LeanRouterServer {
        let count = max(1, workers)
        var loops: [LeanEventLoop] = []
        var sockets: [CInt] = []
        var sharedSockets: [CInt] = []
        var socketFiles: [String] = []
        var perLoop: [[LeanListener]] = Array(repeating: [], count: count)
        var shared: [LeanListenerShared] = []
        do {
            for index in 0..<count { loops.append(try LeanEventLoop(name: "\(threadName)-\(index)")) }
            for spec in specs {
                let bound = try LeanSocketBinder.bind(spec.name, copies: count, backlog: backlog)
                sockets += bound.sockets
                if let file = bound.socketFile { socketFiles.append(file) }
                let listener = LeanListenerShared(
                    name: spec.name, plane: plane, kind: spec.kind, limit: limit, localAddress: bound.localAddress)
                shared.append(listener)
                let own = bound.sockets.count == count
                if !own { sharedSockets += bound.sockets }
                for index in 0..<count {
                    let fd = own ? bound.sockets[index] : bound.sockets[0]
                    perLoop[index].append(LeanListener(shared: listener, loop: loops[index], fd: fd, ownsSocket: own))
                }
                plane.logger.info("router listening", metadata: [
                    "address": "\(spec.name)", "bound": "\(bound.localAddress?.description ?? "-")", "transport": "epoll",
                    "workers": "\(count)",
                ])
            }
        } catch {
            for fd in sockets { Glibc.close(fd) }
            for file in socketFiles { UnixSocketFile.remove(at: file) }
            throw error
        }
        for (index, loop) in loops.enumerated() {
            // Not running yet: registering from here races with nothing.
            for listener in perLoop[index] { listener.setAccepting(accepting) }
            loop.start()
        }
        return LeanRouterServer(loops: loops, listeners: perLoop, shared: shared, sharedSockets: sharedSockets, socketFiles: socketFiles)
    }

    /// The listeners' bound addresses, in configuration order.
    var localAddresses: [SocketAddress?] { shared.map(\.localAddress) }

    /// Clients open now over every listener and loop.
    var openConnections: Int { shared.reduce(0) { $0 + $1.openConnections } }

    /// Starts (true) or stops (false) accepting on every loop, for cheap mode.
    func setAccepting(_ accepting: Bool) {
        for (index, loop) in loops.enumerated() {
            let listeners = self.listeners[index]
            loop.execute { for listener in listeners.listeners { listener.setAccepting(accepting) } }
        }
    }

    /// Stops accepting, lets open sessions finish their current request within `grace`, closes
    /// what is left, then ends the loops.
    func stop(grace: TimeAmount) async {
        let first = stopped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let deadline = NIODeadline.now() + grace
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let latch = LeanLatch(count: loops.count) { continuation.resume() }
            for (index, loop) in loops.enumerated() {
                let listeners = self.listeners[index]
                loop.execute {
                    LeanGracefulStop(loop: loop, listeners: listeners.listeners, deadline: deadline, done: { latch.countDown() }).begin()
                }
            }
        }
        for loop in loops { loop.stop() }
        for loop in loops { loop.join() }
        for fd in sharedSockets { Glibc.close(fd) }
        for file in socketFiles { UnixSocketFile.remove(at: file) }
    }
}

/// A loop's listeners handed to a task on that loop (only ever touched there).
private struct UncheckedListeners: @unchecked Sendable {
    let listeners: [LeanListener]
}

/// Counts down from `count` and calls `done` at zero (any thread).
final class LeanLatch: Sendable {
    private let remaining: Mutex<Int>
    private let done: @Sendable () -> Void

    init(count: Int, done: @escaping @Sendable () -> Void) {
        self.remaining = Mutex(count)
        self.done = done
        if count == 0 { done() }
    }

    func countDown() {
        let zero = remaining.withLock { value -> Bool in
            value -= 1
            return value == 0
        }
        if zero { done() }
    }
}

/// One loop's part of a graceful stop: listeners closed, sessions told to finish, the rest
/// closed at the deadline; `done` once no connection is left.
private final class LeanGracefulStop: LeanTimerTarget {
    let loop: LeanEventLoop
    let listeners: [LeanListener]
    let deadline: NIODeadline
    let done: () -> Void
    var timerSlot = LeanTimerSlot()
    private var waiting = 0
    private var finished = false

    init(loop: LeanEventLoop, listeners: [LeanListener], deadline: NIODeadline, done: @escaping () -> Void) {
        self.loop = loop
        self.listeners = listeners
        self.deadline = deadline
        self.done = done
    }

    func begin() {
        guard !listeners.isEmpty else {
            done()
            return
        }
        waiting = listeners.count
        for listener in listeners {
            listener.stop()
            listener.registry.stopAll()
        }
        loop.arm(self, at: deadline)
        for listener in listeners { listener.registry.whenEmpty { [self] in oneEmpty() } }
    }

    private func oneEmpty() {
        waiting -= 1
        guard waiting == 0, !finished else { return }
        finished = true
        loop.disarm(self)
        done()
    }

    func timerFired() {
        for listener in listeners { listener.registry.closeAll() }
    }
}
