import CLeanSockets
import Testing
@testable import RouterRuntime

/// The lean loops' pipe pool: reuse of empty pipes, and the cap on pipes out with sessions that
/// keeps spliced sessions from crowding out sockets.
@Suite("Lean pipe pool")
struct LeanPipePoolTests {
    @Test("past its in-use limit the pool hands out nothing (the session copies instead); a pipe given back frees a place")
    func inUseLimit() throws {
        var pool = LeanPipePool(inUseLimit: 2)
        defer { pool.closeAll() }
        let taken = pool.take()
        let first = try #require(taken)
        let taken2 = pool.take()
        let second = try #require(taken2)
        let overLimit = pool.take()
        #expect(overLimit == nil)
        #expect(pool.inUse == 2)
        pool.give(first, empty: true)
        #expect(pool.inUse == 1 && pool.available == 1)
        let taken3 = pool.take()
        let again = try #require(taken3)
        #expect(again.read == first.read, "an empty pipe given back is reused")
        // A pipe given back with bytes in it is closed, not kept.
        pool.give(second, empty: false)
        pool.give(again, empty: true)
        #expect(pool.inUse == 0 && pool.available == 1)
    }

    @Test("the first pipes within the budget are enlarged, the rest keep the default; closing an enlarged pipe frees its place; each pipe's capacity is the kernel's")
    func enlargedBudget() throws {
        var pool = LeanPipePool(inUseLimit: 8, enlargedBudget: 2)
        defer { pool.closeAll() }
        var pipes: [LeanPipe] = []
        for _ in 0..<3 {
            let taken = pool.take()
            pipes.append(try #require(taken))
        }
        for pipe in pipes {
            #expect(Int(lean_pipe_capacity(pipe.write)) == pipe.capacity, "the capacity recorded is the pipe's")
        }
        // Where the kernel grants the size (root, or a user within its pipe allowance), the
        // first two are enlarged; where it refuses, every pipe keeps the default and the budget
        // stays unused.
        let granted = pipes[0].capacity > LeanPipePool.capacity
        if granted {
            #expect(pipes[0].capacity == LeanPipePool.enlargedCapacity && pipes[1].capacity == LeanPipePool.enlargedCapacity)
            #expect(pool.enlarged == 2)
        } else {
            #expect(pool.enlarged == 0)
        }
        #expect(pipes[2].capacity == LeanPipePool.capacity, "past the budget: the default")
        // An enlarged pipe given back with bytes in it is closed: its place in the budget is free
        // again, and the next new pipe takes it.
        pool.give(pipes[0], empty: false)
        #expect(pool.enlarged == (granted ? 1 : 0))
        let taken = pool.take()
        let next = try #require(taken)
        #expect(next.capacity == (granted ? LeanPipePool.enlargedCapacity : LeanPipePool.capacity))
        #expect(pool.enlarged == (granted ? 2 : 0))
        for pipe in [pipes[1], pipes[2], next] { pool.give(pipe, empty: true) }
        #expect(pool.inUse == 0)
    }
}
