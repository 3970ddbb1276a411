import Synchronization

/// A value behind a lock that tasks can wait on as an event: `wait` suspends until a check over
/// the value gives a result (success or failure) or its timeout passes; `update` changes the
/// value and wakes every waiter whose check now gives one. Used for process output and for
/// load-generator progress, so no test sleeps to wait for state.
final class WatchedState<Value: Sendable>: Sendable {
    private struct Waiter {
        /// The completion to run once the check gives a result, or nil to keep waiting.
        let poll: @Sendable (Value) -> (@Sendable () -> Void)?
        let fail: @Sendable (any Error) -> Void
    }

    private struct Storage {
        var value: Value
        var waiters: [Int: Waiter] = [:]
        var abandoned: Set<Int> = []
        var nextID = 0
    }

    private let storage: Mutex<Storage>

    /// Starts with `value`.
    init(_ value: Value) {
        storage = Mutex(Storage(value: value))
    }

    /// The current value.
    var value: Value { storage.withLock { $0.value } }

    /// Changes the value, then completes every waiter whose check now gives a result (the
    /// completions run after the lock is released).
    @discardableResult
    func update<T>(_ change: (inout Value) -> T) -> T {
        let (result, ready): (T, [@Sendable () -> Void]) = storage.withLock { storage in
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
        let id = storage.withLock { storage in
            storage.nextID += 1
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
        let immediate: (@Sendable () -> Void)? = storage.withLock { storage in
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
    /// wait abandoned before it started fails at once instead of waiting forever.
    private func abandon(_ id: Int, with error: any Error) {
        let waiter: Waiter? = storage.withLock { storage in
            guard let waiter = storage.waiters.removeValue(forKey: id) else {
                storage.abandoned.insert(id)
                return nil
            }
            return waiter
        }
        waiter?.fail(error)
    }
}
