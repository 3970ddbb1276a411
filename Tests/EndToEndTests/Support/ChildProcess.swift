import Foundation

/// A child process (a uWSGI node, tmux) with its output in a log file; `stop` sends SIGTERM,
/// then SIGKILL after a bounded grace. Waiting never blocks a thread of the cooperative pool.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: `process` is configured in init and only signalled or read afterwards.
    private let process: Process
    private let exited = NSCondition()
    private var hasExited = false
    /// Where its standard output and error go.
    let logPath: String

    /// Starts `executable` with `arguments`, output to `logPath`.
    init(executable: String, arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        self.logPath = logPath
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else { throw EndToEndError("cannot create \(logPath)") }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.terminationHandler = { [exited] _ in
            exited.lock()
            defer { exited.unlock() }
            self.hasExited = true
            exited.broadcast()
        }
        try process.run()
    }

    /// Runs `executable` to completion (at most `timeout`) and returns its exit status and output.
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(20)) async throws -> (status: Int32, output: String) {
        let log = NSTemporaryDirectory() + "/fleettop-e2e-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: log) }
        let child = try ChildProcess(executable: executable, arguments: arguments, logPath: log)
        guard await child.waitForExit(timeout: timeout) else {
            await child.stop()
            throw EndToEndError("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout)")
        }
        return (child.process.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
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

    /// SIGTERM, then SIGKILL if it has not exited within `grace`.
    func stop(grace: Duration = .seconds(5)) async {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if await waitForExit(timeout: grace) { return }
        kill(process.processIdentifier, SIGKILL)
        _ = await waitForExit(timeout: .seconds(5))
    }

    /// The log so far.
    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}
