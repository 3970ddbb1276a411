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
}

/// A loop's spare pipes for spliced relays: a session takes two and gives them back empty, so
/// steady load creates none; a pipe given back with bytes in it is closed instead.
struct LeanPipePool {
    /// Pipes kept for reuse at most (two per spliced session).
    static let kept = 32
    /// Each pipe's capacity: the most one splice moves.
    static let capacity = 64 * 1024

    /// Pipes out with sessions at most: 1,024 spliced sessions per loop, 4,096 descriptors.
    /// Past it a session relays by copying, so pipes never crowd out the sockets the loop's
    /// connection cap allows (each spliced session would otherwise hold 6 descriptors).
    static let defaultInUseLimit = 2048

    /// This pool's limit on pipes out (`defaultInUseLimit`; smaller in tests).
    let inUseLimit: Int
    private var free: [LeanPipe] = []
    /// Pipes handed out and not yet given back.
    private(set) var inUse = 0

    init(inUseLimit: Int = Self.defaultInUseLimit) {
        self.inUseLimit = inUseLimit
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
        return LeanPipe(read: read, write: write)
    }

    /// Takes `pipe` back for reuse when it is `empty` and the pool has room; closes it otherwise.
    mutating func give(_ pipe: LeanPipe, empty: Bool) {
        inUse -= 1
        if empty, free.count < Self.kept {
            free.append(pipe)
        } else {
            Glibc.close(pipe.read)
            Glibc.close(pipe.write)
        }
    }

    /// Closes every spare pipe (the loop ends).
    mutating func closeAll() {
        for pipe in free {
            Glibc.close(pipe.read)
            Glibc.close(pipe.write)
        }
        free.removeAll()
    }
}
