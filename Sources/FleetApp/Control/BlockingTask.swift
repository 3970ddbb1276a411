import Dispatch
import Synchronization

/// Runs async work from synchronous code on a thread that is not part of Swift's cooperative
/// pool (the main thread of `snapshot` and `ctl`), blocking that thread until it finishes.
public enum BlockingTask {
    /// Runs `body` in a detached task and waits for its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let result = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
            result.mutex.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        // The semaphore is signalled only after the result is stored.
        guard let outcome = result.mutex.withLock({ $0 }) else { throw CancellationError() }
        return try outcome.get()
    }
}

/// Holds a result handed from a task to a waiting thread.
private final class ResultBox<T: Sendable>: Sendable {
    let mutex = Mutex<Result<T, any Error>?>(nil)
}
