import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One listener of the lean transport as the router controls it: its copy on every loop, the
/// cap counted across them, cheap mode and graceful stop sent to each loop.
final class LeanListenerControl: ListenerControl {
    private let shared: LeanListenerShared
    private let listeners: LoopBound<[LeanListener]>
    private let sharedSocket: CInt?
    private let socketFile: String?
    private let stopped = NIOLockedValueBox(false)

    init(shared: LeanListenerShared, listeners: [LeanListener], sharedSocket: CInt?, socketFile: String?) {
        self.shared = shared
        self.listeners = LoopBound(value: listeners)
        self.sharedSocket = sharedSocket
        self.socketFile = socketFile
    }

    var name: String { shared.name }
    var limit: ConnectionLimit { shared.limit }
    var openConnections: Int { shared.openConnections }
    var localAddress: SocketAddress? { shared.localAddress }

    func setAccepting(_ accepting: Bool) {
        for listener in listeners.value {
            let one = LoopBound(value: listener)
            listener.loop.execute { one.value.setAccepting(accepting) }
        }
    }

    /// `setAccepting` that returns once every loop has applied it.
    func setAcceptingOnEveryLoop(_ accepting: Bool) async {
        for listener in listeners.value {
            let one = LoopBound(value: listener)
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let queued = listener.loop.execute {
                    one.value.setAccepting(accepting)
                    continuation.resume()
                }
                if !queued { continuation.resume() }  // the transport has shut down
            }
        }
    }

    func stop(grace: TimeAmount) async {
        let first = stopped.withLockedValue { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let deadline = NIODeadline.now() + grace
        // Every loop stops accepting at once; each reports when its last session is gone.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let latch = LeanLatch(count: listeners.value.count) { continuation.resume() }
            for listener in listeners.value {
                let one = LoopBound(value: listener)
                let queued = listener.loop.execute {
                    LeanGracefulStop(listener: one.value, deadline: deadline) { latch.countDown() }.begin()
                }
                if !queued {
                    // The transport has shut down and its thread is gone: only the socket is left.
                    if listener.ownsSocket { Glibc.close(listener.fd) }
                    latch.countDown()
                }
            }
        }
        if let sharedSocket { Glibc.close(sharedSocket) }
        if let socketFile { UnixSocketFile.remove(at: socketFile) }
    }
}

/// One loop's part of a listener's graceful stop: accepting ends, sessions are told to finish,
/// what is left is closed at the deadline; `done` once no connection is left.
private final class LeanGracefulStop: LeanTimerTarget {
    let listener: LeanListener
    let deadline: NIODeadline
    let done: () -> Void
    var timerSlot = LeanTimerSlot()

    init(listener: LeanListener, deadline: NIODeadline, done: @escaping () -> Void) {
        self.listener = listener
        self.deadline = deadline
        self.done = done
    }

    func begin() {
        listener.stop()
        listener.registry.stopAll()
        listener.loop.arm(self, at: deadline)
        listener.registry.whenEmpty { [self] in
            listener.loop.disarm(self)
            done()
        }
    }

    func timerFired() {
        listener.registry.closeAll()
    }
}

/// Counts down from `count` and calls `done` at zero (any thread).
///
/// Behind a pthread mutex (NIOLockedValueBox): ThreadSanitizer does not see
/// `Synchronization.Mutex`'s futex hand-over and reported two loops' count-downs as a race.
final class LeanLatch: Sendable {
    private let remaining: NIOLockedValueBox<Int>
    private let done: @Sendable () -> Void

    init(count: Int, done: @escaping @Sendable () -> Void) {
        self.remaining = NIOLockedValueBox(count)
        self.done = done
        if count == 0 { done() }
    }

    func countDown() {
        let zero = remaining.withLockedValue { value -> Bool in
            value -= 1
            return value == 0
        }
        if zero { done() }
    }
}
