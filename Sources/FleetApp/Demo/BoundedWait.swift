import Synchronization

/// Waits for work that must not hold its caller forever: a shutdown step that depends on
/// event loops, peers and the scheduler, all of which can be slow on a loaded machine.
enum BoundedWait {
    /// Runs `work` and waits for it at most `limit`; true when it finished in time. On a
    /// timeout the work carries on by itself (nothing waits for its end) and the caller moves on.
    @discardableResult
    static func run(within limit: Duration, _ work: @escaping @Sendable () async -> Void) async -> Bool {
        let gate = Gate()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            gate.arm(continuation)
            let timer = Task {
                // Cancelled (the work finished first): the gate is already open, and opening it
                // with false here raced the work's own `open(true)` and could win.
                do { try await Task.sleep(for: limit) } catch { return }
                gate.open(false)
            }
            Task {
                await work()
                gate.open(true)
                timer.cancel()
            }
        }
    }

    /// Resumes the waiting continuation once, from whichever side comes first.
    private final class Gate: Sendable {
        private let waiting = Mutex<CheckedContinuation<Bool, Never>?>(nil)

        func arm(_ continuation: CheckedContinuation<Bool, Never>) {
            waiting.withLock { $0 = continuation }
        }

        func open(_ finished: Bool) {
            let continuation = waiting.withLock { waiting in
                defer { waiting = nil }
                return waiting
            }
            continuation?.resume(returning: finished)
        }
    }
}
