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
}
