import CLeanRing
import CLeanSockets
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

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

/// The kernel interface a lean loop waits on.
public enum LeanBackend: String, Sendable, CaseIterable {
    /// io_uring: readiness as multishot polls, nodes' sockets as linked submissions, one
    /// submit per loop tick.
    case uring
    /// Edge-triggered epoll.
    case epoll
}

/// One thread's loop on raw non-blocking sockets, on edge-triggered epoll or on io_uring
/// (`LeanEventLoop+Ring.swift`): every socket is registered once for in, out and read-hangup
/// and leaves by being closed, timers live in an indexed heap, cross-thread work arrives
/// through an eventfd, and reads go through the loop's buffer pool. Everything except
/// `execute` and `stop` runs on the loop's thread.
final class LeanEventLoop: @unchecked Sendable {
    /// Edge-triggered in, out and read-hangup: the one registration a socket ever gets.
    static let socketEvents = lean_epollin | lean_epollout | lean_epollrdhup | lean_epollet

    struct Registration {
        var handler: (any LeanPollable)?
        /// Bumped at every (un)registration; 30 bits, so a ring's poll data stays below its
        /// other tags.
        var generation: UInt32 = 0
        /// What it is polled for (a ring re-arms the poll with them).
        var events: UInt32 = 0
    }

    /// The loop's name (its thread's name).
    let name: String
    /// The loop's io_uring; nil on epoll.
    let ring: LeanRing?
    private let epollFD: CInt
    let wakeFD: CInt
    var registrations: [Registration] = []
    /// Targets of the ring's requests in flight, by token (`LeanEventLoop+Ring.swift`).
    var completionTargets: [(any LeanCompletionTarget)?] = []
    var freeTokens: [UInt32] = []
    /// Stable per-token address storage for the ring's connects, in chunks that never move.
    var addressChunks: [UnsafeMutablePointer<sockaddr_storage>] = []
    /// Deadlines of the loop's connections.
    var timers = LeanTimerHeap()
    /// Read buffers.
    var buffers: LeanBufferPool
    /// The HTTP connections' uwsgi packets: given to a machine for its next head and taken
    /// back once the node answered, so a keep-alive request allocates none.
    var packets = LeanBufferPool(bufferSize: LeanBufferPool.packetSize)
    /// Spare pipes for spliced relays.
    var pipes = LeanPipePool()
    /// Large buffers for the relays' bulk ways.
    var bulkBuffers = LeanBulkPool()
    /// Most events one `epoll_wait` returns, or completions one ring wait reaps
    /// (`--xxx-events`).
    let eventsPerWait: Int
    /// The largest batch one wait has returned so far (for tests and diagnosis).
    var largestBatch: Int { largestBatchSeen.load(ordering: .relaxed) }
    private let largestBatchSeen = Atomic<Int>(0)
    /// The loop thread's copy of `largestBatch`, so that a wait costs one compare.
    private var largestBatchLocal = 0
    /// The time the current batch of events is handled at (read once per wake-up).
    var now = NIODeadline.now()
    private var deferred: [any LeanDeferred] = []
    /// The batch `runDeferred` is running: swapped with `deferred`, so neither array is ever
    /// shared when it is emptied (emptying a shared one would allocate a new one, per request).
    private var running: [any LeanDeferred] = []
    /// Behind a pthread mutex (`NIOLockedValueBox`), not `Synchronization.Mutex`: every other
    /// thread hands work over here, and ThreadSanitizer does not see a contended `Mutex`'s
    /// hand-over through the kernel (`FUTEX_LOCK_PI`), so it reported the queue as raced.
    private let tasks = NIOLockedValueBox<(queue: [@Sendable () -> Void], stopped: Bool)>(([], false))
    private var thread: LeanThread?

    /// A loop with its epoll instance or io_uring and its wake-up eventfd; `start()` runs it
    /// on its thread.
    init(name: String, backend: LeanBackend = .epoll, tuning: LeanTuning = LeanTuning()) throws(LeanSocketError) {
        self.name = name
        self.eventsPerWait = tuning.eventsPerWait
        self.buffers = LeanBufferPool(bufferSize: tuning.readBufferSize)
        let wakeFD = lean_eventfd()
        guard wakeFD >= 0 else { throw LeanSocketError(call: "eventfd", errno: lean_errno()) }
        if backend == .uring {
            do { ring = try LeanRing() } catch {
                Glibc.close(wakeFD)
                throw error
            }
            self.wakeFD = wakeFD
            self.epollFD = -1
            return
        }
        ring = nil
        let epollFD = lean_epoll_create()
        guard epollFD >= 0 else {
            let error = lean_errno()
            Glibc.close(wakeFD)
            throw LeanSocketError(call: "epoll_create1", errno: error)
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
        if epollFD >= 0 { Glibc.close(epollFD) }
        pipes.closeAll()
        for chunk in addressChunks { chunk.deallocate() }
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
        defer {
            forgetHandlers()
            runningThread.withLockedValue { $0 = nil }
        }
        if let ring {
            runRing(ring)
            return
        }
        let capacity = eventsPerWait
        var events = [lean_event](repeating: lean_event(), count: capacity)
        while true {
            let timeout = nextTimeout()
            let count = events.withUnsafeMutableBufferPointer { lean_epoll_wait(epollFD, $0.baseAddress, CInt(capacity), timeout) }
            now = .now()
            if count > 0 {
                noteBatch(Int(count))
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

    /// At the loop's end: drops every handler, deferred item and timer it still holds. They
    /// hold the loop in turn (a listener that a task queued before the stop registered, a
    /// connection's timer), and such a cycle would outlive the loop: one full AddressSanitizer
    /// run reported an io_uring loop and its listener as leaked. Completion targets stay: a
    /// request the drain gave up on may still own their buffers until the ring is gone.
    private func forgetHandlers() {
        for index in registrations.indices {
            // A relay still open gives its pipes and bulk buffer back (the buffers' places are
            // the process's, and the relay and its two sides hold each other).
            (registrations[index].handler as? LeanClientConnection)?.splice?.detach()
            registrations[index].handler = nil
        }
        deferred.removeAll()
        running.removeAll()
        timers = LeanTimerHeap()
    }

    /// Records the size of a wait's batch when it is the largest yet.
    @inline(__always)
    func noteBatch(_ count: Int) {
        guard count > largestBatchLocal else { return }
        largestBatchLocal = count
        largestBatchSeen.store(count, ordering: .relaxed)
    }

    /// The wait's timeout until the earliest timer, from `now`, the tick's wake-up time: the
    /// wait may end later by the tick's own work (microseconds, against timers of whole
    /// milliseconds), and the tick reads the clock once instead of three times.
    func nextTimeout() -> CInt {
        if !deferred.isEmpty { return 0 }
        guard let earliest = timers.earliest else { return -1 }
        let current = now.uptimeNanoseconds
        guard earliest > current else { return 0 }
        // Rounded up: waking a little late is fine, waking early spins.
        let milliseconds = (earliest - current + 999_999) / 1_000_000
        return CInt(min(milliseconds, UInt64(Int32.max)))
    }

    /// Runs queued cross-thread tasks; true when the loop must end.
    func runTasks() -> Bool {
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
        registeredHandler(event.data)?.ready(event.events)
    }

    /// The handler registered under `data` (a socket and its generation), if still there.
    @inline(__always)
    func registeredHandler(_ data: UInt64) -> (any LeanPollable)? {
        let fd = Int(truncatingIfNeeded: data & 0xFFFF_FFFF)
        let generation = UInt32(truncatingIfNeeded: data >> 32)
        guard fd < registrations.count, registrations[fd].generation == generation else { return nil }
        return registrations[fd].handler
    }

    /// What a readiness report of `fd` at its current generation carries.
    func registrationData(_ fd: CInt) -> UInt64 {
        UInt64(registrations[Int(fd)].generation) << 32 | UInt64(UInt32(bitPattern: fd))
    }

    private func bumpGeneration(_ index: Int) {
        registrations[index].generation = (registrations[index].generation &+ 1) & 0x3FFF_FFFF
    }

    func runDeferred() {
        // Bounded: work deferred while running deferred work waits for the next event.
        var rounds = 0
        while !deferred.isEmpty, rounds < 4 {
            swap(&deferred, &running)
            for index in running.indices { running[index].runDeferred() }
            running.removeAll(keepingCapacity: true)
            rounds += 1
        }
    }

    /// Fires the timers due at `now`, the tick's wake-up time (see `nextTimeout`).
    func runTimers() {
        guard timers.count > 0 else { return }
        let current = now.uptimeNanoseconds
        while let target = timers.popExpired(now: current) {
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
        bumpGeneration(index)
        registrations[index].handler = handler
        registrations[index].events = events & ~(lean_epollet | lean_epollexclusive)
        let data = registrationData(fd)
        if let ring {
            // Multishot polls report every wake-up, as edge-triggered epoll does; a socket
            // every loop shares wakes each of them (accept copes with EAGAIN).
            lean_ring_poll(ring.handle, fd, registrations[index].events, data)
            return
        }
        guard lean_epoll_add(epollFD, fd, events, data) == 0 else {
            registrations[index].handler = nil
            throw LeanSocketError(call: "epoll_ctl", errno: lean_errno())
        }
    }

    /// Forgets `fd`'s handler without closing it (a listening socket other loops share).
    func unregister(_ fd: CInt) {
        let index = Int(fd)
        guard index >= 0, index < registrations.count else { return }
        if let ring, registrations[index].handler != nil {
            // At once, as epoll_ctl would: a socket other loops share may be closed next.
            lean_ring_poll_remove(ring.handle, registrationData(fd), 0)
            lean_ring_flush(ring.handle)
        }
        registrations[index].handler = nil
        bumpGeneration(index)
        if ring == nil { _ = lean_epoll_delete(epollFD, fd) }
    }

    /// Closes `fd`, which also takes it out of epoll; events already collected for it are
    /// dropped by their generation.
    /// On io_uring the poll is removed first (it holds the socket open) and the close goes
    /// through the ring with the next tick's submit; `now` closes at once instead (a listener,
    /// whose waiting clients must be refused before the loop next wakes).
    func close(_ fd: CInt, reset: Bool = false, now: Bool = false) {
        let index = Int(fd)
        if index >= 0, index < registrations.count {
            if let ring, registrations[index].handler != nil { lean_ring_poll_remove(ring.handle, registrationData(fd), 0) }
            registrations[index].handler = nil
            bumpGeneration(index)
        }
        if let ring {
            if reset { _ = lean_set_linger_zero(fd) }
            if now {
                // The poll's hold on the socket ends once its removal has run.
                lean_ring_flush(ring.handle)
                _ = Glibc.close(fd)
            } else {
                ring.close(fd)
            }
        } else if reset {
            _ = lean_close_with_reset(fd)
        } else {
            _ = lean_close(fd)
        }
    }

    /// Reads once from `fd` into a pooled buffer and hands the bytes to `body`; returns the
    /// count, 0 at end of input, or minus the errno.
    @inline(__always)
    func readOnce(_ fd: CInt, _ body: (ByteBuffer) -> Void) -> Int {
        var buffer = buffers.take()
        var result = 0
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { bytes in
            result = lean_read(fd, bytes.baseAddress, bytes.count)
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
        if let current = timers.deadline(of: target), current <= nanoseconds { return }
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
