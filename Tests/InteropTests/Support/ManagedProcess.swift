import Foundation
import ProcessTesting

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

    /// The same ending as the launcher reports it.
    init(_ termination: SpawnedProcess.Termination) {
        switch termination {
        case .exited(let code): self = .exited(code)
        case .signalled(let signal): self = .signalled(signal)
        }
    }
}

/// A child process started for one test. Its stdout and stderr are read line by line on a
/// thread of their own, so a test waits for a log line, the process's exit or the end of its
/// output (every process of its group gone) as events, each bounded by a timeout, instead of
/// sleeping. The child is started by `SpawnedProcess` (posix_spawn: close-on-exec pipes, a
/// cleared signal mask) in a process group of its own (pgid = pid), so a whole uWSGI instance
/// (master and workers) can be signalled by that id.
final class ManagedProcess: Sendable {
    /// Name used in failure messages (`node2`, `fleetrouter`, …).
    let name: String
    private let child: SpawnedProcess
    private let reader: PipeReader
    private let output: WatchedState<Output>

    private struct Output: Sendable {
        var lines: [String] = []
        var partial: [UInt8] = []
        var closed = false
        var exitStatus: ExitStatus?
    }

    /// Starts `executable ARGUMENTS` in `directory` with the parent's environment plus
    /// `environment`. The child starts with no signal blocked, whichever thread spawns it, so
    /// it sees SIGTERM and SIGINT. `input`, when given, is the child's standard input (else
    /// /dev/null); the caller keeps its ends.
    static func launch(
        name: String, executable: URL, arguments: [String], directory: URL, environment: [String: String] = [:],
        input: Pipe? = nil
    ) async throws -> ManagedProcess {
        let started: (process: SpawnedProcess, pipes: SpawnedProcess.Pipes)
        do {
            started = try SpawnedProcess.spawn(
                executable: executable.path, arguments: arguments, directory: directory.path, environment: environment,
                input: input.map { .descriptor($0.fileHandleForReading.fileDescriptor) } ?? .null, output: .combined)
        } catch {
            throw InteropError("\(name): \(error)")
        }
        do {
            return try ManagedProcess(name: name, child: started.process, output: started.pipes.output)
        } catch {
            started.process.signalGroup(SIGKILL)
            throw InteropError("\(name): \(error)")
        }
    }

    private init(name: String, child: SpawnedProcess, output descriptor: Int32) throws {
        self.name = name
        self.child = child
        let output = WatchedState(Output())
        self.output = output
        reader = try PipeReader(
            taking: descriptor, name: "output of \(name)",
            received: { bytes in output.update { ManagedProcess.append(bytes, to: &$0) } },
            ended: {
                output.update { output in
                    if !output.partial.isEmpty {
                        output.lines.append(String(decoding: output.partial, as: UTF8.self))
                        output.partial = []
                    }
                    output.closed = true
                }
            })
        // The exit is published only once what the process wrote before it is read, so a test
        // that waited for the exit finds its last lines.
        let reader = self.reader
        child.onExit { termination in
            reader.afterReadingBuffered {
                output.update { $0.exitStatus = ExitStatus(termination) }
            }
        }
    }

    deinit {
        // A test that failed before stopping its processes must not leave them running.
        if child.termination == nil || !SpawnedProcess.groupIsGone(child.pid) {
            child.signalGroup(SIGKILL)
        }
        // Its reader thread must not wait for ever on a pipe a stray process holds.
        reader.finish()
    }

    /// The process id (also its process group id).
    var pid: Int32 { child.pid }

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
        child.signal(signal)
    }

    /// Sends `signal` to the process and every process of its group (master and workers at once).
    func signalGroup(_ signal: Int32) {
        child.signalGroup(signal)
    }

    /// Sends `signal`, waits up to `grace` for the exit, then SIGKILLs whatever is left of the
    /// group and waits (bounded) for every member to go. Returns how the process ended, nil if
    /// it never did.
    @discardableResult
    func stop(with signal: Int32, grace: Duration = .seconds(5)) async -> ExitStatus? {
        self.signal(signal)
        let status = try? await waitForExit(timeout: grace)
        signalGroup(SIGKILL)
        try? await waitForGroupGone(timeout: .seconds(5))
        if let status { return status }
        return try? await waitForExit(timeout: .seconds(5))
    }

    /// SIGKILLs the whole group and waits (bounded) until every member is gone, its exit is
    /// reaped and its output has ended.
    func killGroup() async throws {
        signalGroup(SIGKILL)
        try await waitForGroupGone(timeout: .seconds(10))
    }

    /// Waits until the process is reaped and no process of its group is alive, then ends the
    /// output once what they wrote is read. "All its processes gone" is checked in the kernel
    /// (`SpawnedProcess.waitUntilGone`), not inferred from the end of the output pipe: a
    /// process outside the group that holds a copy of the pipe's write end (inherited when it
    /// was spawned, by another test, at the wrong moment) would delay that end for as long as it
    /// lives, though no process of ours can write any more.
    private func waitForGroupGone(timeout: Duration) async throws {
        guard await child.waitUntilGone(timeout: timeout) else {
            let alive = SpawnedProcess.liveMembers(ofGroup: pid).map(String.init).joined(separator: ", ")
            throw InteropError(
                "\(name): its processes did not all end within \(timeout) of SIGKILL to group \(pid) "
                    + "(exit: \(exitStatus?.description ?? "not reaped"); alive: \(alive.isEmpty ? "none" : alive))\n\(logTail)")
        }
        reader.finish()
        try await waitForExit(timeout: .seconds(5))
        try await waitForOutputEnd(timeout: .seconds(5))
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
