import Synchronization

/// A router did not answer within its time limit.
public struct DeadlineExceeded: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was waited for (`poll 127.0.0.1:9191`).
    public var operation: String
    /// The limit, in seconds.
    public var seconds: Double

    /// Creates the error.
    public init(operation: String, seconds: Double) {
        self.operation = operation
        self.seconds = seconds
    }

    /// `poll 127.0.0.1:9191: no answer within 3 s`.
    public var description: String {
        "\(operation): no answer within \(ArgumentValues.formatSeconds(seconds)) s"
    }
}

/// Races an operation against a time limit without waiting for the operation to notice
/// cancellation: a router that hangs must not hold up a poll round or a frame.
public enum Deadline {
    /// The operation's result, or `DeadlineExceeded` after `seconds` (the operation is then
    /// cancelled and its eventual result dropped).
    public static func run<T: Sendable>(
        seconds: Double, operation name: String, _ operation: @escaping @Sendable () async throws -> T
    ) async -> Result<T, any Error> {
        let slot = SlotBox<T>()
        return await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>, Never>) in
            slot.mutex.withLock { $0.continuation = continuation }
            let work = Task {
                let result: Result<T, any Error>
                do { result = .success(try await operation()) } catch { result = .failure(error) }
                Self.finish(slot, with: result)
            }
            let timer = Task {
                try? await Task.sleep(for: .seconds(seconds))
                guard !Task.isCancelled else { return }
                if Self.finish(slot, with: .failure(DeadlineExceeded(operation: name, seconds: seconds))) {
                    work.cancel()
                }
            }
            slot.mutex.withLock { state in
                // The work may already be done; then the timer is of no use.
                if state.continuation == nil { timer.cancel() } else { state.timer = timer }
            }
        }
    }

    private struct Slot<T: Sendable>: Sendable {
        var continuation: CheckedContinuation<Result<T, any Error>, Never>?
        var timer: Task<Void, Never>?
    }

    // A class so the escaping tasks can share the one lock (a Mutex cannot be captured).
    private final class SlotBox<T: Sendable>: Sendable {
        let mutex = Mutex(Slot<T>())
    }

    @discardableResult
    private static func finish<T: Sendable>(_ slot: SlotBox<T>, with result: Result<T, any Error>) -> Bool {
        let taken = slot.mutex.withLock { state -> (CheckedContinuation<Result<T, any Error>, Never>, Task<Void, Never>?)? in
            guard let continuation = state.continuation else { return nil }
            state.continuation = nil
            let timer = state.timer
            state.timer = nil
            return (continuation, timer)
        }
        guard let (continuation, timer) = taken else { return false }
        timer?.cancel()
        continuation.resume(returning: result)
        return true
    }
}

extension ArgumentValues {
    /// Seconds without a trailing `.0` (`3`, `0.5`).
    static func formatSeconds(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int(seconds)) : String(seconds)
    }
}
