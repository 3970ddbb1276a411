/// A loop's large buffers for the relay's bulk ways (`LeanSplice`): a way that has moved a
/// mebibyte through its pipe moves on through one of these with `read(2)` and `send(2)`
/// instead, since fewer, larger system calls beat splicing through any pipe size on loopback.
/// A 1 GiB transfer through the C peers of `Benchmarks/http-router.sh` (9 alternating rounds,
/// direct 2,511 MB/s): splicing through 256 KiB pipes 1,629 MB/s, copying through a 256 KiB
/// buffer 1,691, through 1 MiB 1,862, through 4 MiB 1,906.
///
/// A buffer holds a place in the process's `LeanBudget.bulkBuffers` while a way has it, and is
/// freed when given back (a bulk way moves a mebibyte or more, beside which a fresh buffer's
/// page faults are small); past the budget a way keeps splicing through its pipe.
struct LeanBulkPool {
    /// A buffer's size.
    static let size = 1 << 20

    /// Where this pool's places come from (`LeanBudget.bulkBuffers`; another in tests).
    let budget: LeanBudget
    /// Buffers handed out and not yet given back.
    private(set) var inUse = 0
    /// Buffers handed out so far (for tests and diagnosis).
    private(set) var handedOut = 0

    init(budget: LeanBudget = .bulkBuffers) {
        self.budget = budget
    }

    /// A new buffer while the budget has room; nil otherwise.
    mutating func take() -> UnsafeMutableRawBufferPointer? {
        guard budget.take() else { return nil }
        inUse += 1
        handedOut += 1
        return .allocate(byteCount: Self.size, alignment: 4096)
    }

    /// Frees `buffer` and gives its place back.
    mutating func give(_ buffer: UnsafeMutableRawBufferPointer) {
        buffer.deallocate()
        budget.give()
        inUse -= 1
    }
}
