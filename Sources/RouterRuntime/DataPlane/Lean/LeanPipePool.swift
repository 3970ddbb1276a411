import CLeanSockets

#if canImport(Glibc)
import Glibc
#endif

/// One non-blocking pipe a splice moves bytes through.
struct LeanPipe {
    /// The end bytes leave by.
    let read: CInt
    /// The end bytes enter by.
    let write: CInt
    /// The most the pipe holds, and so the most one splice into it moves.
    let capacity: Int
}

/// A loop's spare pipes for spliced relays: a session takes two and gives them back empty, so
/// steady load creates none; a pipe given back with bytes in it is closed instead.
///
/// The first `enlargedBudget` pipes a pool holds are enlarged to `enlargedCapacity`: a 1 GiB
/// transfer through the raw router moved 2,100 MB/s through 64 KiB pipes and 2,570 MB/s through
/// 256 KiB ones (4 rounds each, uring, `blast`; direct 3,800 MB/s), fewer splices a byte and
/// fewer waits for the other side. The kernel charges a pipe's whole capacity to its user
/// (`/proc/sys/fs/pipe-user-pages-soft`, 64 MiB by default; past it every new pipe of that user
/// is made small), so a pool enlarges few: 32 pipes, 8 MiB, an eighth of that allowance. A pipe
/// the kernel refuses to enlarge keeps the default 64 KiB.
struct LeanPipePool {
    /// Pipes kept for reuse at most (two per spliced session).
    static let kept = 32
    /// A pipe's default capacity, as the kernel makes it.
    static let capacity = 64 * 1024
    /// The capacity asked for the pipes within `enlargedBudget`.
    static let enlargedCapacity = 256 * 1024
    /// Enlarged pipes one pool holds at most (out with sessions and spare together).
    static let defaultEnlargedBudget = 32

    /// Pipes out with sessions at most: 1,024 spliced sessions per loop, 4,096 descriptors.
    /// Past it a session relays by copying, so pipes never crowd out the sockets the loop's
    /// connection cap allows (each spliced session would otherwise hold 6 descriptors).
    static let defaultInUseLimit = 2048

    /// This pool's limit on pipes out (`defaultInUseLimit`; smaller in tests).
    let inUseLimit: Int
    /// This pool's limit on enlarged pipes (`defaultEnlargedBudget`; smaller in tests).
    let enlargedBudget: Int
    private var free: [LeanPipe] = []
    /// Pipes handed out and not yet given back.
    private(set) var inUse = 0
    /// Enlarged pipes open, out or spare.
    private(set) var enlarged = 0

    init(inUseLimit: Int = Self.defaultInUseLimit, enlargedBudget: Int = Self.defaultEnlargedBudget) {
        self.inUseLimit = inUseLimit
        self.enlargedBudget = enlargedBudget
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
        var capacity = Self.capacity
        if enlarged < enlargedBudget {
            let granted = Int(lean_pipe_resize(write, CInt(Self.enlargedCapacity)))
            if granted > Self.capacity {
                capacity = granted
                enlarged += 1
            }
        }
        return LeanPipe(read: read, write: write, capacity: capacity)
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
        if pipe.capacity > Self.capacity { enlarged -= 1 }
        Glibc.close(pipe.read)
        Glibc.close(pipe.write)
    }
}
