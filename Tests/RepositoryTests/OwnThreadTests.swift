import Foundation
import Synchronization
import Testing
import ThreadTesting

/// The suite's way off the cooperative pool: `OwnThread.run` and the `.ownThread` trait.
@Suite("Own threads for heavy tests")
struct OwnThreadTests {
    struct Refused: Error, Equatable {}

    /// Waits a millisecond on this thread (synchronous code only).
    static func pause() { Thread.sleep(forTimeInterval: 0.001) }

    /// The calling thread's name (`Thread.current` is for synchronous code only).
    static func threadName() -> String? { Thread.current.name }

    @Test("run works on a thread of its own, named, and returns its value or its typed error")
    func runsOnItsOwnThread() async throws {
        let caller = pthread_self()
        let (name, same) = await OwnThread.run("own-thread") { () -> (String?, Bool) in
            (Self.threadName(), pthread_equal(pthread_self(), caller) != 0)
        }
        #expect(name == "own-thread")
        #expect(!same)
        #expect(await OwnThread.run { 6 * 7 } == 42)
        await #expect(throws: Refused()) { try await OwnThread.run { () throws(Refused) -> Int in throw Refused() } }
    }

    @Test("while more blocking runs than the pool has threads wait, a plain task still runs")
    func blockingRunsLeaveThePoolFree() async throws {
        let released = DispatchSemaphore(value: 0)
        let width = ProcessInfo.processInfo.activeProcessorCount + 1
        let waits = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<width {
                group.addTask {
                    await OwnThread.run("blocked \(index)") { released.wait(timeout: .now() + 10) == .success }
                }
            }
            // Runs only if a thread of the pool is free: every run above blocks until it does.
            group.addTask {
                for _ in 0..<width { released.signal() }
                return true
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(waits.count == width + 1)
        #expect(waits.allSatisfy { $0 }, "a blocked run waited 10 s for a task the pool never ran")
    }

    @Test("compute runs take turns, at most computeTurns at once; a nested one uses its caller's turn")
    func computeTakesTurns() async {
        final class Running: Sendable {
            let counts = Mutex((now: 0, most: 0))
        }
        let running = Running()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<(OwnThread.computeTurns + 3) {
                group.addTask {
                    await OwnThread.compute("compute \(index)") {
                        running.counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                        // Without turns every run gets here at once: wait (bounded) for more
                        // to arrive than the turns allow, which must not happen.
                        let end = ContinuousClock.now + .milliseconds(300)
                        while running.counts.withLock({ $0.now }) <= OwnThread.computeTurns, ContinuousClock.now < end {
                            Self.pause()
                        }
                        // Nested: would wait forever for a turn its own caller holds.
                        let inner = await OwnThread.compute("nested \(index)") { index * 2 }
                        #expect(inner == index * 2)
                        running.counts.withLock { $0.now -= 1 }
                    }
                }
            }
        }
        let most = running.counts.withLock { $0.most }
        #expect(most >= 1 && most <= OwnThread.computeTurns, "\(most) compute runs at once")
    }

    @Test("a test with the trait runs on a thread named after it", .ownThread)
    func traitMovesTheTest() {
        #expect(Thread.current.name == String("traitMovesTheTest()".prefix(15)))
    }
}
