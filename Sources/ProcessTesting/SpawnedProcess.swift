import CSpawn
import Foundation

/// A child process a test starts with `posix_spawn`, its exit reaped on a thread of its own.
///
/// Foundation's `Process` is not used, for three reasons. The pipes it is given are not
/// close-on-exec, so a child that another test spawns at the same moment inherits their write
/// ends and holds them open for as long as it lives: the end of a process's output comes late,
/// or never. A child inherits its spawner's signal mask, and Swift concurrency's threads block
/// almost every signal, so a child spawned from one never sees SIGTERM or SIGINT. And its
/// `run()` reads past a buffer while it scans /proc/self/fd, which AddressSanitizer reports.
///
/// Here every pipe is close-on-exec from its creation and reaches the child through `dup2` file
/// actions (the copy `dup2` makes is not close-on-exec); the child closes every other descriptor
/// (3 and up); it leads a process group of its own (pgid = pid), so it and every process it
/// starts can be signalled together; its signal mask is empty and every signal has its default
/// disposition; and its exit is reaped with `waitpid(pid)`, never `waitpid(-1)`, so no other
/// child of the test process is taken.
public final class SpawnedProcess: @unchecked Sendable {
    // @unchecked: `pid` and `command` are set in init; `reaped` and `handlers` are only touched
    // between `state.lock()` and `state.unlock()`.

    /// How a process ended.
    public enum Termination: Sendable, Hashable, CustomStringConvertible {
        /// It called exit with this code; -1 if its status was lost (something else reaped it).
        case exited(Int32)
        /// A signal ended it.
        case signalled(Int32)

        /// The shell's number for it: the exit code, or 128 + the signal.
        public var code: Int32 {
            switch self {
            case .exited(let code): return code
            case .signalled(let signal): return 128 + signal
            }
        }

        public var description: String {
            switch self {
            case .exited(let code): return "exit \(code)"
            case .signalled(let signal): return "killed by signal \(signal)"
            }
        }

        /// Decodes a `waitpid` status (the process exited or was killed; it is never asked
        /// about stops).
        init(waitStatus raw: Int32) {
            let signal = raw & 0x7f
            self = signal == 0 ? .exited((raw >> 8) & 0xff) : .signalled(signal)
        }
    }

    /// What the child reads on its standard input.
    public enum Input: Sendable {
        /// /dev/null.
        case null
        /// A copy of this descriptor; the caller keeps and closes its own.
        case descriptor(Int32)
        /// A new stream whose other end is `Pipes.input`: a unix socket, so that writing to a
        /// child that is gone fails with EPIPE instead of raising SIGPIPE.
        case stream
    }

    /// Where the child's standard output and standard error go.
    public enum Output: Sendable {
        /// Both into `Pipes.output`, interleaved as written.
        case combined
        /// Standard output into `Pipes.output`, standard error into `Pipes.errors`.
        case separate
    }

    /// The parent's ends of the child's standard streams, all close-on-exec; the caller owns
    /// them and closes them.
    public struct Pipes: Sendable {
        /// Where to write the child's input (`Input.stream` only).
        public let input: Int32?
        /// Where to read its standard output (and standard error when combined).
        public let output: Int32
        /// Where to read its standard error (`Output.separate` only).
        public let errors: Int32?
    }

    /// The process id, which is also its process group id.
    public let pid: pid_t
    /// The executable and its arguments, for messages.
    public let command: String
    private let state = NSCondition()
    private var reaped: Termination?
    private var handlers: [@Sendable (Termination) -> Void] = []

    private init(pid: pid_t, command: String) {
        self.pid = pid
        self.command = command
    }

    // MARK: starting

    /// Starts `executable` (a path; no search of PATH) with `arguments`, in `directory` when
    /// given, with the parent's environment plus `environment`. Returns the process and the
    /// parent's ends of its pipes. Throws naming the executable when it cannot start (missing,
    /// not executable, bad directory).
    public static func spawn(
        executable: String, arguments: [String], directory: String? = nil, environment: [String: String] = [:],
        input: Input = .null, output: Output = .combined
    ) throws -> (process: SpawnedProcess, pipes: Pipes) {
        let command = ([executable] + arguments).joined(separator: " ")
        let place = directory.map { " in \($0)" } ?? ""
        func failure(_ what: String, _ code: Int32) -> SpawnError {
            SpawnError("cannot start \(executable)\(place): \(what): \(String(cString: strerror(code)))")
        }
        // The child's ends are closed here once it has its copies; the parent's are closed
        // here only if the start fails.
        var childEnds: [Int32] = []
        var parentEnds: [Int32] = []
        defer { for descriptor in childEnds { close(descriptor) } }
        do {
            func pair(_ what: String, socket: Bool = false) throws -> (read: Int32, write: Int32) {
                var descriptors: [Int32] = [-1, -1]
                guard (socket ? cspawn_socketpair(&descriptors) : cspawn_pipe(&descriptors)) == 0 else {
                    throw failure("no pipe for its \(what)", errno)
                }
                return (descriptors[0], descriptors[1])
            }
            func check(_ result: Int32, _ what: String) throws {
                guard result == 0 else { throw failure(what, result) }
            }

            var actions = posix_spawn_file_actions_t()
            try check(posix_spawn_file_actions_init(&actions), "file actions")
            defer { posix_spawn_file_actions_destroy(&actions) }
            var inputEnd: Int32?
            switch input {
            case .null:
                try check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), "standard input")
            case .descriptor(let descriptor):
                try check(posix_spawn_file_actions_adddup2(&actions, descriptor, 0), "standard input")
            case .stream:
                let stream = try pair("standard input", socket: true)
                childEnds.append(stream.read)
                parentEnds.append(stream.write)
                inputEnd = stream.write
                try check(posix_spawn_file_actions_adddup2(&actions, stream.read, 0), "standard input")
            }
            let out = try pair("standard output")
            childEnds.append(out.write)
            parentEnds.append(out.read)
            try check(posix_spawn_file_actions_adddup2(&actions, out.write, 1), "standard output")
            var errorsEnd: Int32?
            switch output {
            case .combined:
                try check(posix_spawn_file_actions_adddup2(&actions, out.write, 2), "standard error")
            case .separate:
                let errors = try pair("standard error")
                childEnds.append(errors.write)
                parentEnds.append(errors.read)
                errorsEnd = errors.read
                try check(posix_spawn_file_actions_adddup2(&actions, errors.write, 2), "standard error")
            }
            // Nothing else of the test process reaches the child, whatever its flags: a child
            // holding another test's socket or pipe would keep it open after that test closed it.
            try check(cspawn_add_closefrom(&actions, 3), "closing inherited descriptors")
            if let directory {
                try check(cspawn_add_chdir(&actions, directory), "working directory")
            }

            var attributes = posix_spawnattr_t()
            try check(posix_spawnattr_init(&attributes), "attributes")
            defer { posix_spawnattr_destroy(&attributes) }
            var none = sigset_t()
            sigemptyset(&none)
            var all = sigset_t()
            sigfillset(&all)
            try check(posix_spawnattr_setsigmask(&attributes, &none), "signal mask")
            // Default dispositions also for signals the test process ignores (SIGPIPE).
            try check(posix_spawnattr_setsigdefault(&attributes, &all), "signal dispositions")
            try check(posix_spawnattr_setpgroup(&attributes, 0), "process group")
            let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
            try check(posix_spawnattr_setflags(&attributes, Int16(flags)), "attribute flags")

            let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
            let argv = ([executable] + arguments).map { strdup($0) } + [nil]
            let envp = variables.map { strdup($0) } + [nil]
            defer { for pointer in argv + envp { free(pointer) } }
            var child: pid_t = 0
            let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
            guard result == 0 else { throw SpawnError("cannot start \(executable)\(place): \(String(cString: strerror(result)))") }

            let process = SpawnedProcess(pid: child, command: command)
            process.startReaper()
            return (process, Pipes(input: inputEnd, output: out.read, errors: errorsEnd))
        } catch {
            for descriptor in parentEnds { close(descriptor) }
            throw error
        }
    }

    /// Reaps the child on a thread of its own (`waitpid` blocks); the thread keeps this object
    /// until the child is gone.
    private func startReaper() {
        let reaper = Thread { [self] in
            var raw: Int32 = 0
            var result: pid_t
            repeat {
                result = waitpid(pid, &raw, 0)
            } while result < 0 && errno == EINTR
            finish(result == pid ? Termination(waitStatus: raw) : .exited(-1))
        }
        reaper.name = "reaper of \(pid)"
        reaper.start()
    }

    private func finish(_ termination: Termination) {
        state.lock()
        reaped = termination
        let waiting = handlers
        handlers = []
        state.broadcast()
        state.unlock()
        for handler in waiting { handler(termination) }
    }

    // MARK: the exit

    /// How the process ended, nil until it is reaped.
    public var termination: Termination? {
        state.lock()
        defer { state.unlock() }
        return reaped
    }

    /// Calls `handler` once the process is reaped (at once if it already is), on the reaper's
    /// thread or the caller's.
    public func onExit(_ handler: @escaping @Sendable (Termination) -> Void) {
        state.lock()
        guard let reaped else {
            handlers.append(handler)
            state.unlock()
            return
        }
        state.unlock()
        handler(reaped)
    }

    /// Blocks the calling thread until the process is reaped or `timeout` has passed; nil then.
    public func waitForExit(timeout: Duration) -> Termination? {
        let deadline = Date(timeIntervalSinceNow: timeout.seconds)
        state.lock()
        defer { state.unlock() }
        // Each pass returns or sleeps until the exit or the deadline.
        while reaped == nil {
            if !state.wait(until: deadline) { break }
        }
        return reaped
    }

    // MARK: signals

    /// Sends `signal` to the process alone, unless it has been reaped (its pid may be another's).
    public func signal(_ signal: Int32) {
        state.lock()
        defer { state.unlock() }
        if reaped == nil { _ = kill(pid, signal) }
    }

    /// Sends `signal` to every process of its group. A group id stays allocated while any
    /// member lives, so it cannot name a stranger's group while ours has members.
    public func signalGroup(_ signal: Int32) {
        _ = kill(-pid, signal)
    }

    // MARK: the group

    /// Whether no process of group `group` is left alive: `kill(-group, 0)` finds none
    /// (ESRCH), or every one left is a zombie waiting to be reaped by its parent (a zombie
    /// holds no descriptor, socket or pipe any more).
    public static func groupIsGone(_ group: pid_t) -> Bool {
        if kill(-group, 0) == 0 { return liveMembers(ofGroup: group).isEmpty }
        return errno == ESRCH
    }

    /// The processes of group `group` that are not zombies, read from /proc.
    public static func liveMembers(ofGroup group: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let member = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let nameEnd = stat.lastIndex(of: ")") else { return nil }
            // "pid (name) state ppid pgrp …"; the name may hold spaces and parentheses.
            let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z", pid_t(fields[2]) == group else { return nil }
            return member
        }.sorted()
    }

    /// Waits until the process is reaped and no process of its group is left alive (see
    /// `groupIsGone`), at most `timeout`; false if that did not happen. It polls, with a pause
    /// growing from 1 ms to 50 ms: the kernel sends no event when the last member of a process
    /// group dies, and members other than the child are not this process's children to wait
    /// for. This does not depend on the end of the output pipe, which any process outside the
    /// group that got a copy of its write end can hold open.
    public func waitUntilGone(timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var pause = Duration.milliseconds(1)
        while true {
            if termination != nil && Self.groupIsGone(pid) { return true }
            let left = deadline - clock.now
            guard left > .zero, !Task.isCancelled else { return false }
            try? await Task.sleep(for: min(pause, left))
            pause = min(pause * 2, .milliseconds(50))
        }
    }
}

/// A process that could not be started or did not finish, with the command and the reason.
public struct SpawnError: Error, CustomStringConvertible {
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
