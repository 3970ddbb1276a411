import Logging
import NIOConcurrencyHelpers
import NIOCore
import RouterConfig
import RouterWire

#if canImport(Glibc)
import Glibc
#endif

/// The data plane on lean loops: `threads` io_uring or edge-triggered epoll loops on raw
/// sockets (`--xxx-workers`), each on its own thread. A TCP listener is bound once per loop with
/// `SO_REUSEPORT`, so the kernel spreads clients over the loops and each accepts, serves and
/// connects its clients' nodes itself; a request never crosses threads. Cheap mode, graceful
/// stop and session snapshots reach a loop through its eventfd.
public final class LeanTransport: DataPlaneTransport {
    private let loops: [LeanEventLoop]
    /// One worker per loop, in order (a loop's index is its session-table id).
    public let workers: [any DataPlaneWorker]
    private let stopped = NIOLockedValueBox(false)
    /// The kernel interface the loops wait on.
    public let backend: LeanBackend
    /// The loops' batch and read-buffer sizes (`--xxx-events`, `--xxx-buffer-size`).
    public let tuning: LeanTuning

    /// Starts `threads` loops named `name-N` on `backend` with `tuning`; throws, starting none,
    /// where the kernel refuses it.
    public init(threads: Int, name: String = "lean", backend: LeanBackend = .epoll, tuning: LeanTuning = LeanTuning()) throws {
        var loops: [LeanEventLoop] = []
        for index in 0..<max(1, threads) {
            loops.append(try LeanEventLoop(name: "\(name)-\(index)", backend: backend, tuning: tuning))
        }
        for loop in loops { loop.start() }
        self.loops = loops
        self.backend = backend
        self.tuning = tuning
        self.workers = loops.map(LeanWorker.init(loop:))
    }

    /// What each loop's relay pools hold, read on each loop: a spliced raw session gives its
    /// two pipes back when it ends, and a bulk way its buffer.
    func relayPools() async throws -> [LeanRelayPools] {
        var counts: [LeanRelayPools] = []
        for loop in loops {
            counts.append(
                try await LeanWorker(loop: loop).run {
                    LeanRelayPools(sparePipes: loop.pipes.available, bulkInUse: loop.bulkBuffers.inUse, bulkHandedOut: loop.bulkBuffers.handedOut)
                })
        }
        return counts
    }

    /// Binds `name` once per loop (TCP) or once for all (unix, abstract) and serves its
    /// clients with `kind`'s machine; see `DataPlaneTransport`.
    public func bindListener(
        name: String, serving kind: ClientProtocol, plane: DataPlane, accepting: Bool, limit: ConnectionLimit
    ) async throws -> any ListenerControl {
        guard kind.layer == nil else { throw RuntimeError.bindFailed(address: name, reason: "the lean data plane does not run TLS; use --data-plane nio") }
        let bound = try LeanSocketBinder.bind(name, copies: loops.count, backlog: 1024)
        let shared = LeanListenerShared(
            name: name, plane: plane, connection: kind.connection(for: name, plane: plane), limit: limit,
            localAddress: bound.localAddress)
        let own = bound.sockets.count == loops.count
        var listeners: [LeanListener] = []
        for (index, loop) in loops.enumerated() {
            listeners.append(LeanListener(
                shared: shared, loop: loop, worker: index, fd: own ? bound.sockets[index] : bound.sockets[0], ownsSocket: own))
        }
        let control = LeanListenerControl(
            shared: shared, listeners: listeners, sharedSocket: own ? nil : bound.sockets[0], socketFile: bound.socketFile)
        await control.setAcceptingOnEveryLoop(accepting)
        plane.logger.info("router listening", metadata: [
            "address": "\(name)", "bound": "\(bound.localAddress?.description ?? "-")", "transport": "\(backend.rawValue)",
            "workers": "\(loops.count)",
        ])
        return control
    }

    /// The largest batch any loop's wait has returned so far (`--xxx-events` caps it).
    public var largestBatch: Int { loops.map(\.largestBatch).max() ?? 0 }


    /// Ends the loops and waits for their threads.
    public func shutdown() async {
        let first = stopped.withLockedValue { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        for loop in loops { loop.stop() }
        for loop in loops { loop.join() }
    }
}

/// A lean loop as a data-plane worker.
struct LeanWorker: DataPlaneWorker {
    let loop: LeanEventLoop

    var isCurrent: Bool { loop.isCurrent }

    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws -> T {
        if loop.isCurrent { return body() }
        return try await withCheckedThrowingContinuation { continuation in
            let queued = loop.execute { continuation.resume(returning: body()) }
            if !queued { continuation.resume(throwing: LeanSocketError(call: "run on a stopped loop", errno: ESHUTDOWN)) }
        }
    }

    func execute(_ task: @escaping @Sendable () -> Void) -> Bool {
        loop.execute(task)
    }
}

/// A value handed to a task on the loop that owns it (only ever touched there).
struct LoopBound<Value>: @unchecked Sendable {
    let value: Value
}

/// What one lean loop's relay pools hold.
struct LeanRelayPools: Equatable, Sendable {
    /// Empty pipes kept for reuse.
    var sparePipes: Int
    /// Bulk buffers out with ways.
    var bulkInUse: Int
    /// Bulk buffers handed out so far.
    var bulkHandedOut: Int
}
