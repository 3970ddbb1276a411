import CLeanSockets
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A socket a lean loop reports readiness of.
protocol LeanPollable: AnyObject {
    /// The socket is readable, writable, half-closed or failed (epoll's bits, edge-triggered).
    func ready(_ events: UInt32)
}

/// Something a lean loop calls again after the current event, outside any machine transition:
/// a read resumed after backpressure, or the rest of a read burst cut short for fairness.
protocol LeanDeferred: AnyObject {
    /// Runs the deferred work.
    func runDeferred()
}

/// One thread's edge-triggered epoll loop on raw non-blocking sockets: every socket is
/// registered once for in, out and read-hangup and leaves epoll by being closed, timers live in
/// an indexed heap, cross-thread work arrives through an eventfd, and reads go through the
/// loop's buffer pool. Everything except `execute` and `stop` runs on the loop's thread.
final class LeanEventLoop: @unchecked Sendable {
    /// Edge-triggered in, out and read-hangup: the one registration a socket ever gets.
    static let socketEvents = lean_epollin | lean_epollout | lean_epollrdhup | lean_epollet

    private struct Registration {
        var handler: (any LeanPollable)?
        var generation: UInt32 = 0
    }

    /// The loop's name (its thread's name).
    let name: String
    private let epollFD: CInt
    private let wakeFD: CInt
    private var registrations: [Registration] = []
    /// Deadlines of the loop's connections.
    var timers = LeanTimerHeap()
    /// Read buffers.
    var buffers = LeanBufferPool()
    /// The time the current batch of events is handled at (read once per wake-up).
    private(set) var now = NIODeadline.now()
    private var deferred: [any LeanDeferred] = []
    /// Behind a pthread mutex (`NIOLockedValueBox`), not `Synchronization.Mutex`: every other
    /// thread hands work over here, and ThreadSanitizer does not see a contended `Mutex`'s
    /// hand-over through the kernel (`FUTEX_LOCK_PI`), so it reported the queue as raced.
    private let tasks = NIOLockedValueBox<(queue: [@Sendable () -> Void], stopped: Bool)>(([], false))
    private var thread: LeanThread?

    /// A loop with its epoll instance and wake-up eventfd; `start()` runs it on its thread.
    init(name: String) throws(LeanSocketError) {
        self.name = name
        let epollFD = lean_epoll_create()
        guard epollFD >= 0 else { throw LeanSocketError(call: "epoll_create1", errno: lean_errno()) }
        let wakeFD = lean_eventfd()
        guard wakeFD >= 0 else {
            let error = lean_errno()
            Glibc.close(epollFD)
            throw LeanSocketError(call: "eventfd", errno: error)
        }
        // The eventfd is level-triggered: a wake-up missed while running tasks is seen again.
        guard lean_epoll_add(epollFD, wakeFD, lean_epollin, UInt64.max) == 0 else {
            let error = lean_errno()
            Glibc.close(wakeFD)
            Glibc.close(epollFD)
            throw LeanSocketError(call: "epoll_ctl", errno: error)
        }
        self.epollFD = epollFD
        self.wakeFD = wakeFD
    }

    deinit {
        Glibc.close(wakeFD)
        Glibc.close(epollFD)
    }

    // MARK: threads

    /// Runs the loop on a new thread.
    func start() {
        thread = LeanThread(name: name) { [self] in run() }
    }

    /// Asks the loop to end after its current batch (any thread); `join` waits for it.
    func stop() {
        tasks.withLockedValue { $0.stopped = true }
        wake()
    }

    /// Waits for a started loop's thread to end.
    func join() {
        thread?.join()
    }

    /// Runs `task` on the loop's thread (from any thread); false, and the task dropped, once
    /// the loop was asked to stop.
    @discardableResult
    func execute(_ task: @escaping @Sendable () -> Void) -> Bool {
        let queued = tasks.withLockedValue { state -> Bool in
            guard !state.stopped else { return false }
            state.queue.append(task)
            return true
        }
        if queued { wake() }
        return queued
    }

    private func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    /// True on the loop's thread.
    var isCurrent: Bool { runningThread.withLockedValue { $0.map { pthread_equal($0, pthread_self()) != 0 } ?? false } }
    private let runningThread = NIOLockedValueBox<pthread_t?>(nil)

    /// Runs the loop on the calling thread until `stop()`.
    func run() {
        runningThread.withLockedValue { $0 = pthread_self() }
        defer { runningThread.withLockedValue { $0 = nil } }
        var events = [lean_event](repeating: lean_event(), count: 256)
        while true {
            let timeout = nextTimeout()
            let count = events.withUnsafeMutableBufferPointer { lean_epoll_wait(epollFD, $0.baseAddress, 256, timeout) }
            now = .now()
            if count > 0 {
                for index in 0..<Int(count) {
                    let event = events[index]
                    if event.data == UInt64.max {
                        if runTasks() { return }
                    } else {
                        dispatch(event)
                    }
                    runDeferred()
                }
            }
            runDeferred()
            runTimers()
        }
    }

    private func nextTimeout() -> CInt {
        if !deferred.isEmpty { return 0 }
        guard let earliest = timers.earliest else { return -1 }
        let current = NIODeadline.now().uptimeNanoseconds
        guard earliest > current else { return 0 }
        // Rounded up: waking a little late is fine, waking early spins.
        let milliseconds = (earliest - current + 999_999) / 1_000_000
        return CInt(min(milliseconds, UInt64(Int32.max)))
    }

    /// Runs queued cross-thread tasks; true when the loop must end.
    private func runTasks() -> Bool {
        var value: UInt64 = 0
        _ = Glibc.read(wakeFD, &value, 8)
        let (queue, stopped) = tasks.withLockedValue { state -> ([@Sendable () -> Void], Bool) in
            defer { state.queue.removeAll() }
            return (state.queue, state.stopped)
        }
        for task in queue { task() }
        return stopped
    }

    private func dispatch(_ event: lean_event) {
        let fd = Int(truncatingIfNeeded: event.data & 0xFFFF_FFFF)
        let generation = UInt32(truncatingIfNeeded: event.data >> 32)
        guard fd < registrations.count, registrations[fd].generation == generation,
              let handler = registrations[fd].handler else { return }
        handler.ready(event.events)
    }

    private func runDeferred() {
        // Bounded: work deferred while running deferred work waits for the next event.
        var rounds = 0
        while !deferred.isEmpty, rounds < 4 {
            let batch = deferred
            deferred.removeAll(keepingCapacity: true)
            for item in batch { item.runDeferred() }
            rounds += 1
        }
    }

    private func runTimers() {
        guard timers.count > 0 else { return }
        let current = NIODeadline.now()
        now = current
        while let target = timers.popExpired(now: current.uptimeNanoseconds) {
            target.timerFired()
        }
    }

    // MARK: sockets

    /// Registers `fd` once, edge-triggered, for `events`; it leaves epoll by `close(_:)`.
    func register(_ fd: CInt, events: UInt32 = LeanEventLoop.socketEvents, handler: any LeanPollable) throws(LeanSocketError) {
        let index = Int(fd)
        if index >= registrations.count {
            registrations.append(contentsOf: repeatElement(Registration(), count: max(index + 1 - registrations.count, 64)))
        }
        registrations[index].generation &+= 1
        registrations[index].handler = handler
        let data = UInt64(registrations[index].generation) << 32 | UInt64(UInt32(bitPattern: fd))
        guard lean_epoll_add(epollFD, fd, events, data) == 0 else {
            registrations[index].handler = nil
            throw LeanSocketError(call: "epoll_ctl", errno: lean_errno())
        }
    }

    /// Forgets `fd`'s handler without closing it (a listening socket other loops share).
    func unregister(_ fd: CInt) {
        let index = Int(fd)
        guard index >= 0, index < registrations.count else { return }
        registrations[index].handler = nil
        registrations[index].generation &+= 1
        _ = lean_epoll_delete(epollFD, fd)
    }

    /// Closes `fd`, which also takes it out of epoll; events already collected for it are
    /// dropped by their generation.
    func close(_ fd: CInt, reset: Bool = false) {
        let index = Int(fd)
        if index >= 0, index < registrations.count {
            registrations[index].handler = nil
            registrations[index].generation &+= 1
        }
        if reset { _ = lean_close_with_reset(fd) } else { _ = Glibc.close(fd) }
    }

    /// Reads once from `fd` into a pooled buffer and hands the bytes to `body`; returns the
    /// count, 0 at end of input, or minus the errno.
    @inline(__always)
    func readOnce(_ fd: CInt, _ body: (ByteBuffer) -> Void) -> Int {
        var buffer = buffers.take()
        var result = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { bytes in
            result = Glibc.read(fd, bytes.baseAddress, bytes.count)
            return max(result, 0)
        }
        if result > 0 {
            body(buffer)
        } else if result < 0 {
            result = -Int(lean_errno())
        }
        buffers.give(buffer)
        return result
    }

    /// Calls `item.runDeferred()` after the current event.
    func later(_ item: any LeanDeferred) {
        deferred.append(item)
    }

    /// Makes sure `target` fires no later than `deadline`.
    func arm(_ target: any LeanTimerTarget, at deadline: NIODeadline) {
        let nanoseconds = deadline.uptimeNanoseconds
        if target.timerSlot.isScheduled, target.timerSlot.deadline <= nanoseconds { return }
        timers.schedule(target, at: nanoseconds)
    }

    /// Cancels `target`'s pending fire.
    func disarm(_ target: any LeanTimerTarget) {
        timers.cancel(target)
    }
}

/// A failed system call of the lean transport, with its errno.
struct LeanSocketError: Error, CustomStringConvertible {
    /// The call that failed.
    var call: String
    /// Its errno.
    var errno: CInt

    /// `call: strerror(errno)`.
    var description: String { "\(call): \(String(cString: strerror(errno)))" }
}
