import Foundation

/// A value behind a lock that tasks can wait on as an event: `wait` suspends until a check over
/// the value gives a result (success or failure) or its timeout passes; `update` changes the
/// value and wakes every waiter whose check now gives one. Used for process output and for
/// load-generator progress, so no test sleeps to wait for state.
///
/// The lock is an `NSLock` (a pthread mutex), not `Synchronization.Mutex`. On Linux a contended
/// `Mutex` is handed from holder to holder by the kernel (`FUTEX_LOCK_PI`/`FUTEX_UNLOCK_PI` in
/// the runtime's uninstrumented slow path), so ThreadSanitizer sees no order between the two
/// holders and reports every access to the guarded value as a race. It intercepts pthread
/// mutexes, so with this lock it sees the order, and a report here would be a real race.
final class WatchedState<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `storage` is only read or written between `lock.lock()` and `lock.unlock()`.
    private struct Waiter {
        /// The completion to run once the check gives a result, or nil to keep waiting.
        let poll: @Sendable (Value) -> (@Sendable () -> Void)?
        let fail: @Sendable (any Error) -> Void
    }

    private struct Storage {
        var value: Value
        var waiters: [Int: Waiter] = [:]
        /// Waits begun whose waiter is not registered yet.
        var starting: Set<Int> = []
        /// Waits abandoned (timeout, cancellation) before their waiter was registered.
        var abandoned: Set<Int> = []
        var nextID = 0
    }

    private let lock = NSLock()
    private var storage: Storage

    /// Starts with `value`.
    init(_ value: Value) {
        storage = Storage(value: value)
    }

    private func withLock<T>(_ body: (inout Storage) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&storage)
    }

    /// The current value.
    var value: Value { withLock { $0.value } }

    /// Changes the value, then completes every waiter whose check now gives a result (the
    /// completions run after the lock is released).
    @discardableResult
    func update<T>(_ change: (inout Value) -> T) -> T {
        let (result, ready): (T, [@Sendable () -> Void]) = withLock { storage in
            let result = change(&storage.value)
            var ready: [@Sendable () -> Void] = []
            for (id, waiter) in storage.waiters {
                if let completion = waiter.poll(storage.value) {
                    ready.append(completion)
                    storage.waiters[id] = nil
                }
            }
            return (result, ready)
        }
        ready.forEach { $0() }
        return result
    }

    /// Waits until `check` gives a result, at most `timeout`; the timeout error says `what`
    /// did not happen and adds `context()` (e.g. a process's last output).
    func wait<T: Sendable>(
        for what: String, timeout: Duration, context: @escaping @Sendable () -> String = { "" },
        check: @escaping @Sendable (Value) -> Result<T, InteropError>?
    ) async throws -> T {
        let id = withLock { storage in
            storage.nextID += 1
            storage.starting.insert(storage.nextID)
            return storage.nextID
        }
        let timer = Task { [weak self] in
            do { try await Task.sleep(for: timeout) } catch { return }
            self?.abandon(id, with: InteropError("\(what) did not happen within \(timeout)\n\(context())"))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                self.register(id, continuation: continuation, check: check)
            }
        } onCancel: {
            self.abandon(id, with: CancellationError())
        }
    }

    /// Completes the continuation at once if the check already gives a result (or the wait was
    /// abandoned before it got here), else parks it as a waiter.
    private func register<T: Sendable>(
        _ id: Int, continuation: CheckedContinuation<T, any Error>,
        check: @escaping @Sendable (Value) -> Result<T, InteropError>?
    ) {
        let complete: @Sendable (Result<T, InteropError>) -> Void = { result in
            switch result {
            case .success(let value): continuation.resume(returning: value)
            case .failure(let error): continuation.resume(throwing: error)
            }
        }
        let waiter = Waiter(
            poll: { value in
                guard let result = check(value) else { return nil }
                return { complete(result) }
            },
            fail: { error in continuation.resume(throwing: error) }
        )
        let immediate: (@Sendable () -> Void)? = withLock { storage in
            storage.starting.remove(id)
            if storage.abandoned.remove(id) != nil {
                return { continuation.resume(throwing: CancellationError()) }
            }
            if let completion = waiter.poll(storage.value) {
                return completion
            }
            storage.waiters[id] = waiter
            return nil
        }
        immediate?()
    }

    /// Fails a waiter (timeout or cancellation); an id not registered yet is remembered, so a
    /// wait abandoned before it started fails at once instead of waiting forever. A wait that
    /// already completed is left alone (and not remembered for ever).
    private func abandon(_ id: Int, with error: any Error) {
        let waiter: Waiter? = withLock { storage in
            guard let waiter = storage.waiters.removeValue(forKey: id) else {
                if storage.starting.contains(id) { storage.abandoned.insert(id) }
                return nil
            }
            return waiter
        }
        waiter?.fail(error)
    }
}
