import Foundation
import Testing

/// Runs a test's heavy or blocking part on a thread of its own instead of the cooperative pool.
///
/// The suite runs every test on Swift's cooperative pool, which has as many threads as the
/// machine has cores (two in CI). A test that computes for seconds there, or blocks in
/// `poll` or `waitpid`, holds one of them; two such tests at once starve every other task in
/// the process, the in-process routers' stats answers and control calls among them, and tests
/// that wait on those miss their deadlines. Work inside `run` is in the same task (its task
/// locals, so `#expect` and `#require` report to the running test), but its synchronous parts
/// run on a new thread the kernel schedules like any other.
public enum OwnThread {
    /// Runs `operation` with a preference for a new thread named `name`, which ends when it
    /// returns. For work that mostly waits (a process, a blocking client): any number at once.
    public static func run<T, Failure: Error>(
        _ name: String = #function, _ operation: () async throws(Failure) -> T
    ) async throws(Failure) -> T {
        let executor = ThreadExecutor(name: name)
        defer { executor.finish() }
        return try await withTaskExecutorPreference(executor) { () async throws(Failure) -> T in
            // A preference takes effect at the task's next enqueue, not at once: without this
            // the operation would start, and for synchronous work stay, on the pool's thread.
            await Task.yield()
            return try await operation()
        }
    }

    /// `run` for work that mostly computes: at most half the cores' worth run at once (one in
    /// CI), the rest wait without holding a thread. Hundreds of tests start together; on
    /// threads of their own all at once they would leave the pool's two threads a sliver of
    /// the machine, which stalls it as surely as holding them. A compute run inside another
    /// (a fuzzing loop in a test with the trait) uses its caller's turn.
    ///
    /// The turn is known by a task local, so limits follow: a `Task {}` started inside a run
    /// inherits it and runs its own compute runs beside its parent's (even after the parent
    /// gave the turn back), and so do the children of a task group inside one; work that does
    /// not inherit it (`Task.detached`, another thread) and that the turn's holder waits for
    /// must not call `compute`, or with one turn it waits forever.
    public static func compute<T, Failure: Error>(
        _ name: String = #function, _ operation: () async throws(Failure) -> T
    ) async throws(Failure) -> T {
        if holdsTurn { return try await run(name, operation) }
        await turns.acquire()
        let result = await $holdsTurn.withValue(true) { () async -> Result<T, Failure> in
            do throws(Failure) {
                return .success(try await run(name, operation))
            } catch {
                return .failure(error)
            }
        }
        await turns.release()
        return try result.get()
    }

    /// True inside a `compute` run.
    @TaskLocal static var holdsTurn = false

    /// How many compute runs may run at once.
    public static let computeTurns = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)

    static let turns = Turns(count: computeTurns)
}

/// A counting semaphore for tasks: `acquire` suspends (holds no thread) until a turn is free.
actor Turns {
    private var available: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(count: Int) {
        available = count
    }

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            available += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

/// A trait that runs each test of a suite (or one test) on a thread of its own, a compute run
/// (`OwnThread.compute`): for suites whose tests compute for a while.
public struct OwnThreadTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await OwnThread.compute(test.name) { try await function() }
    }
}

extension Trait where Self == OwnThreadTrait {
    /// Each test on a thread of its own, off the cooperative pool, one compute run at a time
    /// per two cores (see `OwnThread.compute`).
    public static var ownThread: Self { OwnThreadTrait() }
}

/// A task executor with one thread at a time, running the jobs enqueued on it in order; the
/// thread ends once finished and idle. Structured child tasks end inside the preference and
/// unstructured ones do not inherit it, so nothing is expected after `finish`; a job that
/// still came would start another thread rather than be lost.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let name: String
    /// Guards `jobs`, `finished` and `running`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false
    private var running = false

    init(name: String) {
        self.name = String(name.prefix(15))
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        let start = !running
        running = true
        condition.signal()
        condition.unlock()
        if start {
            Thread { [self] in
                // Named from inside: set before `start`, the name does not reach the thread;
                // and in the kernel too, for stacks and profiles.
                Thread.current.name = name
                try? name.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
                drain()
            }.start()
        }
    }

    /// Lets the thread end once the jobs enqueued so far have run.
    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    private func drain() {
        while true {
            condition.lock()
            while jobs.isEmpty, !finished { condition.wait() }
            if jobs.isEmpty {
                running = false
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
