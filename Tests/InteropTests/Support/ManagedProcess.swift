import Foundation

/// One line a process printed and its position in the output (0-based), so a later wait can
/// start after it.
struct LogLine: Sendable, Hashable {
    /// Position in the process's output.
    let index: Int
    /// The line without its line break.
    let text: String
}

/// How a process ended.
enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
    /// It called exit with this code.
    case exited(Int32)
    /// A signal ended it.
    case signalled(Int32)

    var description: String {
        switch self {
        case .exited(let code): return "exit \(code)"
        case .signalled(let signal): return "killed by signal \(signal)"
        }
    }
}

/// A child process started for one test. Its stdout and stderr are read line by line on a
/// thread of their own, so a test waits for a log line, the process's exit or the end of its
/// output (every process of its group gone) as events, each bounded by a timeout, instead of
/// sleeping. Foundation's `Process` starts the child in a process group of its own (pgid =
/// pid), so a whole uWSGI instance (master and workers) can be signalled by that id.
final class ManagedProcess: @unchecked Sendable {
    // @unchecked: `process` and `pipe` are only touched at start and for the pid; everything
    // that changes afterwards lives in `output`.

    /// Name used in failure messages (`node2`, `fleetrouter`, …).
    let name: String
    private let process = Process()
    private let pipe = Pipe()
    private let output = WatchedState(Output())
    private let ownsGroup: Bool

    private struct Output: Sendable {
        var lines: [String] = []
        var partial: [UInt8] = []
        var closed = false
        var exitStatus: ExitStatus?
    }

    /// Starts `executable ARGUMENTS` in `directory` with the parent's environment plus
    /// `environment`. The spawn happens on a fresh thread whose signal mask is cleared first: a
    /// child inherits its spawner's mask, and Swift concurrency's and Dispatch's threads block
    /// almost every signal, so a child spawned from them would never see SIGTERM or SIGINT.
    /// `input`, when given, is the child's standard input (else /dev/null).
    static func launch(
        name: String, executable: URL, arguments: [String], directory: URL, environment: [String: String] = [:],
        input: Pipe? = nil
    ) async throws -> ManagedProcess {
        try await offload {
            var empty = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, nil)
            return try ManagedProcess(
                name: name, executable: executable, arguments: arguments, directory: directory, environment: environment, input: input)
        }
    }

    private init(
        name: String, executable: URL, arguments: [String], directory: URL, environment: [String: String] = [:], input: Pipe? = nil
    ) throws {
        self.name = name
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardInput = input ?? FileHandle.nullDevice
        process.standardOutput = pipe
        process.standardError = pipe
        let output = self.output
        process.terminationHandler = { finished in
            let status: ExitStatus = finished.terminationReason == .exit
                ? .exited(finished.terminationStatus) : .signalled(finished.terminationStatus)
            output.update { $0.exitStatus = status }
            // Foundation's Process on Linux stays in a reference cycle with its run loop source
            // once the exit was seen through this handler (Tests/Sanitizers/lsan.supp); letting go
            // of the handler keeps that leak from holding `output` and every line printed.
            finished.terminationHandler = nil
        }
        do {
            try process.run()
        } catch {
            throw InteropError("\(name): cannot start \(executable.path): \(error)")
        }
        ownsGroup = getpgid(process.processIdentifier) == process.processIdentifier
        // The reader owns a duplicate, so the descriptor it blocks on stays valid (and is not
        // reused) even if this object goes away first.
        let descriptor = dup(pipe.fileHandleForReading.fileDescriptor)
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 16384)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                output.update { Self.append(buffer[0..<count], to: &$0) }
            }
            close(descriptor)
            output.update { output in
                if !output.partial.isEmpty {
                    output.lines.append(String(decoding: output.partial, as: UTF8.self))
                    output.partial = []
                }
                output.closed = true
            }
        }
        reader.name = "output of \(name)"
        reader.start()
    }

    deinit {
        // A test that failed before stopping its processes must not leave them running.
        if output.value.exitStatus == nil && process.processIdentifier > 0 {
            _ = kill(ownsGroup ? -process.processIdentifier : process.processIdentifier, SIGKILL)
        }
    }

    /// The process id (also its process group id).
    var pid: Int32 { process.processIdentifier }

    /// Every complete line printed so far.
    var lines: [String] { output.value.lines }

    /// How the process ended, nil while it runs.
    var exitStatus: ExitStatus? { output.value.exitStatus }

    /// The last lines of output, for failure messages.
    var logTail: String {
        "--- last output of \(name) (pid \(pid)) ---\n" + lines.suffix(40).joined(separator: "\n")
    }

    // MARK: waiting for events

    /// Waits for the first line at index `after` or later for which `predicate` holds; fails if
    /// the output ends first or after `timeout`.
    @discardableResult
    func waitForLine(
        _ what: String, after: Int = 0, timeout: Duration = .seconds(20),
        where predicate: @escaping @Sendable (String) -> Bool
    ) async throws -> LogLine {
        let name = self.name
        return try await output.wait(for: "\(name): \(what)", timeout: timeout, context: { [weak self] in self?.logTail ?? "" }) { output in
            if after < output.lines.count {
                for index in after..<output.lines.count where predicate(output.lines[index]) {
                    return .success(LogLine(index: index, text: output.lines[index]))
                }
            }
            if output.closed {
                return .failure(InteropError("\(name) ended its output before printing \(what)\n\(output.lines.suffix(40).joined(separator: "\n"))"))
            }
            return nil
        }
    }

    /// Waits for a line containing `text` (see `waitForLine(_:after:timeout:where:)`).
    @discardableResult
    func waitForLine(containing text: String, after: Int = 0, timeout: Duration = .seconds(20)) async throws -> LogLine {
        try await waitForLine("a line containing '\(text)'", after: after, timeout: timeout) { $0.contains(text) }
    }

    /// Waits until the process has exited and returns how.
    @discardableResult
    func waitForExit(timeout: Duration) async throws -> ExitStatus {
        try await output.wait(for: "\(name): exit", timeout: timeout, context: { [weak self] in self?.logTail ?? "" }) { output in
            output.exitStatus.map { .success($0) }
        }
    }

    /// Waits until nobody holds the output pipe any more: the process and every child that
    /// inherited it (uWSGI workers, router gateways) are gone, and so are their sockets.
    func waitForOutputEnd(timeout: Duration) async throws {
        try await output.wait(for: "\(name): end of output (all its processes gone)", timeout: timeout) { output in
            output.closed ? .success(()) : nil
        }
    }

    // MARK: signals

    /// Sends `signal` to the process alone (for uWSGI: the master, which then handles its workers).
    func signal(_ signal: Int32) {
        guard exitStatus == nil, pid > 0 else { return }
        _ = kill(pid, signal)
    }

    /// Sends `signal` to the process and every process of its group (master and workers at once).
    func signalGroup(_ signal: Int32) {
        // The group id stays allocated while any member lives, so it cannot name a stranger.
        guard pid > 0 else { return }
        if ownsGroup {
            _ = kill(-pid, signal)
        } else if exitStatus == nil {
            _ = kill(pid, signal)
        }
    }

    /// Sends `signal`, waits up to `grace` for the exit, then SIGKILLs whatever is left of the
    /// group and waits (bounded) for every member to go. Returns how the process ended, nil if
    /// it never did.
    @discardableResult
    func stop(with signal: Int32, grace: Duration = .seconds(5)) async -> ExitStatus? {
        self.signal(signal)
        let status = try? await waitForExit(timeout: grace)
        signalGroup(SIGKILL)
        try? await waitForOutputEnd(timeout: .seconds(5))
        if let status { return status }
        return try? await waitForExit(timeout: .seconds(5))
    }

    /// SIGKILLs the whole group and waits (bounded) until every member is gone.
    func killGroup() async throws {
        signalGroup(SIGKILL)
        try await waitForOutputEnd(timeout: .seconds(10))
    }

    private static func append(_ bytes: ArraySlice<UInt8>, to output: inout Output) {
        output.partial.append(contentsOf: bytes)
        while let newline = output.partial.firstIndex(of: UInt8(ascii: "\n")) {
            var line = output.partial[..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            output.lines.append(String(decoding: line, as: UTF8.self))
            output.partial.removeSubrange(...newline)
        }
    }
}
