#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pseudo-terminal whose slave side runs a child process: the forkpty router's one pty per
/// connection.
///
/// The child is started with `posix_spawn`, never a bare `fork()`, so no Swift code runs in it:
/// glibc's child first leaves the parent's session (`POSIX_SPAWN_SETSID`), then carries out the
/// file actions, and the first of them opens the slave without `O_NOCTTY`, which makes the pty
/// the new session's controlling terminal (so the child gets SIGWINCH and SIGHUP from it). The
/// signal mask is cleared and every disposition reset: the threads of this process block or
/// ignore signals the child must see (SIGINT from a framed signal, SIGHUP at hangup). Every
/// descriptor from 3 up is closed in the child: NIO's duplicates of other sessions' masters are
/// not close-on-exec, and a child holding one would keep that session's pty open.
struct PseudoTerminal {
    /// The master side (close-on-exec); its owner closes it.
    let master: CInt
    /// The child's pid; it leads its own session and process group.
    let pid: pid_t

    /// Why a pty or its child could not be started, as the client's error line says it.
    struct SpawnError: Error, Equatable, CustomStringConvertible {
        /// What failed and why.
        let description: String
    }

    /// glibc's `POSIX_SPAWN_SETSID` (2.26+): a `__USE_GNU` macro the Glibc module does not import.
    private static let spawnSetSID: CInt = 0x80
    /// `TIOCSPTLCK` (`_IOW('T', 0x31, int)`): (un)locks the slave. A function-like macro.
    private static let tiocsptlck: UInt = 0x4004_5431
    /// `TIOCGPTN` (`_IOR('T', 0x30, unsigned int)`): the slave's number under /dev/pts.
    private static let tiocgptn: UInt = 0x8004_5430

    /// Opens a pty of `rows` × `columns` and starts `arguments` (`execv`: the first is a path)
    /// on it.
    static func spawn(arguments: [String], rows: UInt16, columns: UInt16) throws(SpawnError) -> PseudoTerminal {
        guard let path = arguments.first else { throw SpawnError(description: "no command") }
        // posix_openpt, grantpt, unlockpt and ptsname are X/Open names the Glibc module does
        // not import; on Linux they are this open and two ioctls (grantpt is a no-op on devpts).
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw SpawnError(description: "cannot open a pty: \(lastError())") }
        var unlock: CInt = 0
        var number: CUnsignedInt = 0
        guard ioctl(master, tiocsptlck, &unlock) == 0, ioctl(master, tiocgptn, &number) == 0 else {
            let reason = lastError()
            close(master)
            throw SpawnError(description: "cannot set up a pty: \(reason)")
        }
        let name = "/dev/pts/\(number)"
        resize(master: master, rows: rows, columns: columns)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, name, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        closeFrom3(&actions)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(CInt(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | spawnSetSID))

        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, path, &actions, &attributes, argv, environ)
        guard result == 0 else {
            close(master)
            throw SpawnError(description: "cannot run \(path): \(String(cString: strerror(result)))")
        }
        return PseudoTerminal(master: master, pid: child)
    }

    /// The child's arguments for a configured command: a command with a space runs through
    /// `/bin/sh -c`, any other is the path of the program itself (uWSGI's rule).
    static func arguments(for command: String) -> [String] {
        command.contains(" ") ? ["/bin/sh", "-c", command] : [command]
    }

    /// Sets the window size (TIOCSWINSZ); the foreground process group gets SIGWINCH.
    static func resize(master: CInt, rows: UInt16, columns: UInt16) {
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
    }

    /// Sends `signal` to the pty's foreground process group (what the key would do at a real
    /// terminal), or to the child when the pty has none.
    static func send(_ signal: CInt, master: CInt, child: pid_t) {
        let group = tcgetpgrp(master)
        _ = kill(group > 0 ? -group : child, signal)
    }

    /// Reaps `pid` if it has exited; true when it is gone (reaped now or earlier). Never
    /// blocks. A pid not yet reaped cannot be reused, so signalling it until then is safe.
    static func reap(_ pid: pid_t) -> Bool {
        var status: CInt = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return true }
            if result == 0 { return false }
            if errno == EINTR { continue }
            return true  // ECHILD: nothing left to reap
        }
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, CInt) -> CInt

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+; not in the Glibc module map),
    /// or, without it, a close action for every descriptor from 3 up open now.
    private static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
            return
        }
        let limit = min(sysconf(CInt(_SC_OPEN_MAX)), 65536)
        var descriptor: CInt = 3
        while descriptor < limit {
            if fcntl(descriptor, F_GETFD) >= 0 { posix_spawn_file_actions_addclose(&actions, descriptor) }
            descriptor += 1
        }
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
