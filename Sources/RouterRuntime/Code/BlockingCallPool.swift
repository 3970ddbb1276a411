import NIOConcurrencyHelpers
import NIOPosix

/// A few threads of a forwarder's own for resolver calls that block (a C function, a blocking
/// socket), with a bound on the calls running or queued: the data plane never runs them, and
/// a call that hangs holds one of these threads, never a loop.
final class BlockingCallPool: Sendable {
    /// Threads in the pool.
    let threads: Int
    /// Calls running or queued at most; more fail at once with `.busy`.
    let limit: Int
    private let pool: NIOThreadPool
    private let inFlight = NIOLockedValueBox(0)

    init(threads: Int = 4, limit: Int = 64) {
        self.threads = threads
        self.limit = limit
        self.pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    /// Runs `body` on a pool thread and returns its result; `.busy` when `limit` calls are
    /// already running or queued.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(CodeResolverError) -> T) async throws -> T {
        let admitted = inFlight.withLockedValue { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else { throw CodeResolverError.busy(limit: limit) }
        defer { inFlight.withLockedValue { $0 -= 1 } }
        return try await pool.runIfActive { () throws -> T in try body() }
    }

    /// Stops the threads once their current calls return (never waits for them).
    func shutdown() {
        pool.shutdownGracefully { _ in }
    }
}
