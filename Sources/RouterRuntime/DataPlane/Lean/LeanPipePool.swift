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

    private var free: [LeanPipe] = []

    /// Spare pipes waiting for reuse.
    var available: Int { free.count }

    /// A spare pipe, or a new one; nil (with errno set) when none can be made (EMFILE, ENFILE).
    mutating func take() -> LeanPipe? {
        if let pipe = free.popLast() { return pipe }
        var read: CInt = -1
        var write: CInt = -1
        guard lean_pipe(&read, &write) == 0 else { return nil }
        return LeanPipe(read: read, write: write)
    }

    /// Takes `pipe` back for reuse when it is `empty` and the pool has room; closes it otherwise.
    mutating func give(_ pipe: LeanPipe, empty: Bool) {
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
