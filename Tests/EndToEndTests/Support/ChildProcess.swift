import Foundation
import Synchronization

/// A child process (a uWSGI node, the tmux script) with its output in a log file; `stop` sends
/// SIGTERM, then SIGKILL after a bounded grace. Waiting never blocks a thread of the cooperative
/// pool.
///
/// Spawned with `posix_spawn`, descriptors from 3 up closed, a cleared signal mask and default
/// dispositions: the test runner blocks most signals, and `Foundation.Process` passes that mask on, which breaks
/// tmux (its server never sees SIGCHLD) and anything else that relies on signals.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: `pid` and `logPath` are set in init; `exited`, `hasExited` and `status` are
    // guarded by the condition's lock.
    private let pid: pid_t
    private let exited = NSCondition()
    private var hasExited = false
    private var status: Int32 = -1
    /// Where its standard output and error go.
    let logPath: String

    /// Starts `executable` with `arguments`, output to `logPath`.
    init(executable: String, arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        self.logPath = logPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of the test process is inherited: a child (or tmux's daemon) holding a
        // copy of another test's listening socket would keep it accepting after that test closed it.
        Self.closeFrom3(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup($0) } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw EndToEndError("cannot start \(executable): \(String(cString: strerror(result)))") }
        pid = child
        let spawned = child
        // One reaper per child: waitpid blocks, so it gets a thread of its own.
        Thread { [self] in
            var raw: Int32 = 0
            while waitpid(spawned, &raw, 0) < 0 && errno == EINTR {}
            exited.lock()
            status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            hasExited = true
            exited.broadcast()
            exited.unlock()
        }.start()
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+; not in the Glibc module map),
    /// or, without it, a close action for every descriptor open now.
    private static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in open.compactMap({ Int32($0) }) where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }

    /// Runs `executable` to completion (at most `timeout`) and returns its exit status and output.
    /// A cancelled caller (a test past its time limit) sends it SIGTERM at once rather than
    /// waiting out `timeout`.
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(20)) async throws -> (status: Int32, output: String) {
        let log = NSTemporaryDirectory() + "/fleettop-e2e-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let child = try ChildProcess(executable: executable, arguments: arguments, logPath: log)
        let exited = await withTaskCancellationHandler {
            await child.waitForExit(timeout: timeout)
        } onCancel: {
            child.terminate()
        }
        guard exited else {
            await child.stop()
            throw EndToEndError("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout)")
        }
        return (child.exitStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Waits (on a plain thread) until the process exits; false after `timeout`.
    func waitForExit(timeout: Duration) async -> Bool {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return await withCheckedContinuation { continuation in
            Thread {
                let deadline = Date(timeIntervalSinceNow: seconds)
                self.exited.lock()
                // Each pass returns or sleeps until the exit or the deadline.
                while !self.hasExited {
                    if !self.exited.wait(until: deadline) { break }
                }
                let done = self.hasExited
                self.exited.unlock()
                continuation.resume(returning: done)
            }.start()
        }
    }

    /// The exit status (128 + signal when killed), -1 while running.
    var exitStatus: Int32 {
        exited.lock()
        defer { exited.unlock() }
        return status
    }

    private var isRunning: Bool {
        exited.lock()
        defer { exited.unlock() }
        return !hasExited
    }

    /// Sends SIGTERM unless it has exited (and been reaped, so the pid is still its own).
    func terminate() {
        exited.lock()
        defer { exited.unlock() }
        if !hasExited { kill(pid, SIGTERM) }
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`.
    func stop(grace: Duration = .seconds(5)) async {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        if await waitForExit(timeout: grace) { return }
        kill(pid, SIGKILL)
        _ = await waitForExit(timeout: .seconds(5))
    }

    /// The log so far.
    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// The child processes a test started, stopped together at its end.
final class ChildProcessList: Sendable {
    private let processes = Mutex<[ChildProcess]>([])

    /// Adds a started process.
    func add(_ process: ChildProcess) {
        processes.withLock { $0.append(process) }
    }

    /// Stops every process (SIGTERM, then SIGKILL after the grace).
    func stopAll() async {
        let all = processes.withLock { list in
            defer { list = [] }
            return list
        }
        for process in all { await process.stop() }
    }
}
