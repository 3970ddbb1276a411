import CNIOLinux
import RouterConfig
import SocketSupport
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@testable import RouterRuntime

/// Thrown when a bounded wait runs out.
struct TestTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Runs `body`, failing with `TestTimeout` after `seconds`. `body` must react to cancellation
/// (AsyncStream iteration, Task.sleep) or complete by its own deadline (TestClient).
func withTimeout<T: Sendable>(_ seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw TestTimeout(what: what)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TestTimeout(what: what) }
        return first
    }
}

/// A fresh short directory under /tmp (unix socket paths must stay under 108 bytes).
func makeTempDirectory() throws -> String {
    var template = Array("/tmp/rrt-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw TestTimeout(what: "mkdtemp") }
    return String(cString: made)
}

/// Removes a test directory and everything in it.
func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// A logger that keeps every record, for checking audit lines.
final class CapturedLogs: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let box = NIOLockedValueBox<[Record]>([])

    var records: [Record] { box.withLockedValue { $0 } }

    func append(_ record: Record) { box.withLockedValue { $0.append(record) } }

    func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in CapturingHandler(sink: self) }
        logger.logLevel = .debug
        return logger
    }

    private struct CapturingHandler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var flat: [String: String] = [:]
            for (key, value) in event.metadata ?? [:] { flat[key] = "\(value)" }
            sink.append(Record(level: event.level, message: "\(event.message)", metadata: flat))
        }
    }
}

extension RouterConfiguration {
    /// This configuration on the transport under test, unless it names one (`--data-plane`).
    var onTransportUnderTest: RouterConfiguration {
        var configuration = self
        if configuration.dataPlane == .auto { configuration.dataPlane = RouterHarness.transport }
        return configuration
    }
}

/// A logger that drops everything.
let quietLogger = Logger(label: "quiet") { _ in SwiftLogNoOpLogHandler() }

/// Leaves a unix socket file at `path` with nobody listening, as a crashed run would.
func makeStaleSocketFile(at path: String) throws {
    let fd = socket(AF_UNIX, SocketPrimitives.datagramType, 0)
    let address = try SocketAddress(unixDomainSocketPath: path)
    let result = address.withSockAddr { bind(fd, $0, socklen_t($1)) }
    close(fd)
    guard result == 0 else { throw RuntimeError.bindFailed(address: path, reason: SocketPrimitives.lastError()) }
}

/// True when `path` exists and is a unix socket.
func isSocketFile(at path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK
}

/// The error of an in-memory file reader asked for a file it does not hold.
struct MissingFile: Error, CustomStringConvertible {
    let missing: String
    var description: String { "no such file: \(missing)" }
}
