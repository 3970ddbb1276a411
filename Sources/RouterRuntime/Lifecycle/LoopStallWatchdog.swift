import Dispatch
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `--xxx-harakiri N`: a thread that probes each data-plane worker of the routers that set it
/// and, when one has been busy in a single loop iteration for more than N seconds, logs which
/// and aborts the process (`LoopStallDetector` decides; this only runs it).
final class LoopStallWatchdog: Sendable {
    /// What happens to a stalled loop; the process default logs and aborts.
    typealias StallHandler = @Sendable (_ name: String, _ busy: TimeAmount, _ limit: TimeAmount) -> Void

    /// Behind pthread mutexes (`NIOLockedValueBox`), not `Synchronization.Mutex`: the probes
    /// run on every worker at once, and ThreadSanitizer does not see `Mutex`'s hand-over through
    /// the kernel, so it reported the detector as raced between two loops.
    private let detector: NIOLockedValueBox<LoopStallDetector>
    private let workers: [any DataPlaneWorker]
    private let onStall: StallHandler
    private let stopSignal = DispatchSemaphore(value: 0)
    private let thread = NIOLockedValueBox<LeanThread?>(nil)
    private let stopped = Atomic(false)

    /// Watches `loops` (a worker, its name, its limit) and starts the probing thread; nil when
    /// there is nothing to watch.
    init?(loops: [(worker: any DataPlaneWorker, name: String, limit: TimeAmount)], onStall: @escaping StallHandler) {
        guard !loops.isEmpty else { return nil }
        var detector = LoopStallDetector()
        for loop in loops { _ = detector.watch(name: loop.name, limit: UInt64(max(loop.limit.nanoseconds, 1))) }
        self.detector = NIOLockedValueBox(detector)
        self.workers = loops.map(\.worker)
        self.onStall = onStall
        let started = LeanThread(name: "harakiri") { [self] in run() }
        thread.withLockedValue { $0 = started }
    }

    /// The process default: a critical log line naming the loop, then `abort()`.
    static func abortingHandler(logger: Logger) -> StallHandler {
        { name, busy, limit in
            logger.critical("harakiri: \(name) has been busy in one loop iteration for \(Self.seconds(busy)) (limit \(Self.seconds(limit))); aborting so the supervisor restarts the process")
            abort()
        }
    }

    private static func seconds(_ amount: TimeAmount) -> String {
        let tenths = amount.nanoseconds / 100_000_000
        return "\(tenths / 10).\(tenths % 10) s"
    }

    /// Ends the probing thread and waits for it (before the loops shut down).
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        stopSignal.signal()
        thread.withLockedValue { $0 }?.join()
    }

    private func run() {
        let period = detector.withLockedValue { $0.period }
        while true {
            // Paced by the period; a stop wakes it at once.
            if stopSignal.wait(timeout: .now() + .nanoseconds(Int(period))) == .success { return }
            let actions = detector.withLockedValue { $0.tick(now: DispatchTime.now().uptimeNanoseconds) }
            for action in actions {
                switch action {
                case .probe(let index):
                    let queued = workers[index].execute { [self] in detector.withLockedValue { $0.probeRan(index) } }
                    if !queued { detector.withLockedValue { $0.probeRefused(index) } }
                case .stalled(_, let name, let busy, let limit):
                    onStall(name, .nanoseconds(Int64(clamping: busy)), .nanoseconds(Int64(clamping: limit)))
                }
            }
        }
    }
}
