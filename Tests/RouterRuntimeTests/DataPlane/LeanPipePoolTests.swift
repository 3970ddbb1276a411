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

    @Test("pipes are enlarged while the budget has room, the rest keep what they were made with; closing an enlarged pipe gives its place back; each pipe's capacity is the kernel's")
    func enlargedBudget() throws {
        let budget = LeanBudget(limit: 2)
        var pool = LeanPipePool(inUseLimit: 8, budget: budget)
        var pipes: [LeanPipe] = []
        defer {
            for pipe in pipes { pool.give(pipe, empty: false) }
            pool.closeAll()
        }
        for _ in 0..<3 {
            let taken = pool.take()
            pipes.append(try #require(taken))
        }
        for pipe in pipes {
            #expect(Int(lean_pipe_capacity(pipe.write)) == pipe.capacity, "the capacity recorded is the pipe's")
            #expect(pipe.enlarged == (pipe.capacity >= LeanPipePool.enlargedCapacity), "enlarged means the kernel granted it")
        }
        // The kernel may refuse an enlargement (a user past its pipe allowance): each pipe is
        // checked for itself, and the budget counts exactly the pipes enlarged.
        let enlargedCount = pipes.filter(\.enlarged).count
        #expect(enlargedCount <= 2)
        #expect(budget.inUse == enlargedCount)
        if pipes[0].enlarged && pipes[1].enlarged {
            #expect(!pipes[2].enlarged, "past the budget: not enlarged")
            #expect(pipes[2].capacity < LeanPipePool.enlargedCapacity)
        }
        // A pipe given back with bytes in it is closed: an enlarged one gives its place back.
        let first = pipes.removeFirst()
        pool.give(first, empty: false)
        #expect(budget.inUse == enlargedCount - (first.enlarged ? 1 : 0))
        // Given back empty, a pipe stays open and keeps its place until the pool closes it.
        let second = pipes.removeFirst()
        pool.give(second, empty: true)
        #expect(budget.inUse == enlargedCount - (first.enlarged ? 1 : 0))
        pool.closeAll()
        #expect(budget.inUse == pipes.filter(\.enlarged).count)
    }

    @Test("a budget hands out at most its limit of places across pools, and takes them back")
    func sharedBudget() {
        let budget = LeanBudget(limit: 3)
        #expect((0..<5).map { _ in budget.take() } == [true, true, true, false, false])
        budget.give()
        #expect(budget.take())
        #expect(!budget.take())
        #expect(budget.inUse == 3)
    }
}

/// The lean loops' bulk relay buffers and the process-wide budget they are drawn from.
@Suite("Lean bulk buffer pool")
struct LeanBulkPoolTests {
    @Test("buffers are handed out while the budget has room, each of the full size; one given back is freed and frees its place")
    func budgeted() throws {
        let budget = LeanBudget(limit: 2)
        var first = LeanBulkPool(budget: budget)
        var second = LeanBulkPool(budget: budget)
        let taken1 = first.take()
        let a = try #require(taken1)
        let taken2 = second.take()
        let b = try #require(taken2)
        #expect(a.count == LeanBulkPool.size && b.count == LeanBulkPool.size)
        #expect(first.take() == nil, "the budget is the process's, across pools")
        #expect(budget.inUse == 2 && first.inUse == 1 && second.inUse == 1)
        // The whole buffer is usable.
        a.initializeMemory(as: UInt8.self, repeating: 0xA5)
        #expect(a.load(fromByteOffset: LeanBulkPool.size - 1, as: UInt8.self) == 0xA5)
        first.give(a)
        #expect(budget.inUse == 1 && first.inUse == 0)
        let taken3 = first.take()
        let c = try #require(taken3)
        #expect(first.handedOut == 2)
        first.give(c)
        second.give(b)
        #expect(budget.inUse == 0)
    }
}
