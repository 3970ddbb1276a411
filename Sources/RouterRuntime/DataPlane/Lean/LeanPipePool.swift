import CLeanSockets
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One non-blocking pipe a splice moves bytes through.
struct LeanPipe {
    /// The end bytes leave by.
    let read: CInt
    /// The end bytes enter by.
    let write: CInt
    /// The most the pipe holds, as the kernel reports it, and so the most one splice into it moves.
    let capacity: Int
    /// Enlarged within a `LeanBudget` (its place is given back when the pipe closes).
    let enlarged: Bool
}

/// A process-wide allowance counted in places, shared by every loop's pool that draws on it:
/// enlarged pipes (the kernel charges a pipe's whole capacity to its user,
/// `/proc/sys/fs/pipe-user-pages-soft`, 64 MiB by default, past which every new pipe of that user
/// is made small) and bulk relay buffers (memory), so the process as a whole, not each loop,
/// keeps to its share.
final class LeanBudget: Sendable {
    /// Enlarged pipes: 32 of 256 KiB, 8 MiB, an eighth of the default allowance, however many
    /// loops run.
    static let pipes = LeanBudget(limit: 32)
    /// Bulk relay buffers: 16 of 1 MiB, however many loops run.
    static let bulkBuffers = LeanBudget(limit: 16)

    /// Places taken at most at once.
    let limit: Int
    private let taken = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Places taken now.
    var inUse: Int { taken.load(ordering: .relaxed) }

    /// Takes a place; false when all are taken.
    func take() -> Bool {
        var current = taken.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = taken.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Gives a place back.
    func give() {
        taken.subtract(1, ordering: .relaxed)
    }
}

/// A loop's spare pipes for spliced relays: a session takes two and gives them back empty, so
/// steady load creates none; a pipe given back with bytes in it is closed instead.
///
/// New pipes are enlarged to `enlargedCapacity` while the process's `LeanBudget.pipes` has room: a
/// 1 GiB transfer through the raw router moved 2,100 MB/s through 64 KiB pipes and 2,570 MB/s
/// through 256 KiB ones (4 rounds each, uring, `blast`; direct 3,800 MB/s): fewer splices a byte
/// and fewer waits for the other side. A pipe is enlarged only when the kernel grants more than
/// it made (a kernel with 64 KiB pages makes 1 MiB pipes), and a pipe past the budget, or one the
/// kernel refuses to enlarge, keeps what it was made with; each pipe records the size the kernel
/// reports.
struct LeanPipePool {
    /// Pipes kept for reuse at most (two per spliced session).
    static let kept = 32
    /// A pipe's default capacity, as the kernel makes it.
    static let capacity = 64 * 1024
    /// The capacity asked for the pipes within the budget.
    static let enlargedCapacity = 256 * 1024

    /// Pipes out with sessions at most: 1,024 spliced sessions per loop, 4,096 descriptors.
    /// Past it a session relays by copying, so pipes never crowd out the sockets the loop's
    /// connection cap allows (each spliced session would otherwise hold 6 descriptors).
    static let defaultInUseLimit = 2048

    /// This pool's limit on pipes out (`defaultInUseLimit`; smaller in tests).
    let inUseLimit: Int
    /// Where this pool's enlarged pipes come from (`LeanBudget.pipes`; another in tests).
    let budget: LeanBudget
    private var free: [LeanPipe] = []
    /// Pipes handed out and not yet given back.
    private(set) var inUse = 0

    init(inUseLimit: Int = Self.defaultInUseLimit, budget: LeanBudget = .pipes) {
        self.inUseLimit = inUseLimit
        self.budget = budget
    }

    /// Spare pipes waiting for reuse.
    var available: Int { free.count }

    /// A spare pipe, or a new one; nil (with errno set) when none can be made (EMFILE, ENFILE).
    /// nil too while `inUseLimit` pipes are out: the session then relays by copying.
    mutating func take() -> LeanPipe? {
        guard inUse < inUseLimit else { return nil }
        if let pipe = free.popLast() {
            inUse += 1
            return pipe
        }
        var read: CInt = -1
        var write: CInt = -1
        guard lean_pipe(&read, &write) == 0 else { return nil }
        inUse += 1
        let made = Int(lean_pipe_capacity(write))
        var capacity = made > 0 ? made : Self.capacity
        var isEnlarged = false
        if capacity < Self.enlargedCapacity, budget.take() {
            let granted = Int(lean_pipe_resize(write, CInt(Self.enlargedCapacity)))
            if granted > capacity {
                capacity = granted
                isEnlarged = true
            } else {
                budget.give()
            }
        }
        return LeanPipe(read: read, write: write, capacity: capacity, enlarged: isEnlarged)
    }

    /// Takes `pipe` back for reuse when it is `empty` and the pool has room; closes it otherwise.
    mutating func give(_ pipe: LeanPipe, empty: Bool) {
        inUse -= 1
        if empty, free.count < Self.kept {
            free.append(pipe)
        } else {
            close(pipe)
        }
    }

    /// Closes every spare pipe (the loop ends).
    mutating func closeAll() {
        for pipe in free { close(pipe) }
        free.removeAll()
    }

    private mutating func close(_ pipe: LeanPipe) {
        if pipe.enlarged { budget.give() }
        Glibc.close(pipe.read)
        Glibc.close(pipe.write)
    }
}
