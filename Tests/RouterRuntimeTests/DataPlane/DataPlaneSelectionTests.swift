import Logging
import RouterConfig
import Testing
@testable import RouterRuntime

/// `--data-plane` to a transport, with the kernel's refusals simulated: `auto` steps down from
/// io_uring to epoll to NIO with one log line per step; a named backend fails where refused.
@Suite("data-plane choice and fallback")
struct DataPlaneSelectionTests {
    /// A transport stand-in naming what was made.
    enum Made: Equatable {
        case lean(LeanBackend)
        case nio
    }

    struct Refused: Error, CustomStringConvertible {
        var description: String { "io_uring_queue_init: Operation not permitted" }
    }

    static func select(_ choice: DataPlaneChoice, refusing refused: Set<LeanBackend> = [], plaintext: Bool = true, logs: CapturedLogs) throws -> Made {
        try DataPlaneSelection.transport(
            choice: choice, plaintext: plaintext, router: "http", logger: logs.logger(),
            lean: { backend in
                if refused.contains(backend) { throw Refused() }
                return .lean(backend)
            },
            nio: { .nio })
    }

    @Test("auto is io_uring where the kernel allows it, and logs nothing")
    func autoIsUring() throws {
        let logs = CapturedLogs()
        #expect(try Self.select(.auto, logs: logs) == .lean(.uring))
        #expect(logs.records.isEmpty)
    }

    @Test("auto where io_uring is refused (ENOSYS, EPERM, seccomp) logs one line and uses epoll")
    func autoFallsBackToEpoll() throws {
        let logs = CapturedLogs()
        #expect(try Self.select(.auto, refusing: [.uring], logs: logs) == .lean(.epoll))
        let lines = logs.records.map(\.message)
        #expect(lines.count == 1)
        #expect(lines.first?.contains("io_uring is refused here") == true)
        #expect(lines.first?.contains("Operation not permitted") == true)
        #expect(lines.first?.contains("--http runs on epoll") == true)
        #expect(logs.records.first?.level == .warning)
    }

    @Test("auto where epoll is refused too ends on NIO, one line per step")
    func autoFallsBackToNIO() throws {
        let logs = CapturedLogs()
        #expect(try Self.select(.auto, refusing: [.uring, .epoll], logs: logs) == .nio)
        #expect(logs.records.count == 2)
        #expect(logs.records.last?.message.contains("--http runs on NIO") == true)
    }

    @Test("a named lean backend is what it names, and fails where the kernel refuses it")
    func namedBackends() throws {
        let logs = CapturedLogs()
        #expect(try Self.select(.uring, logs: logs) == .lean(.uring))
        #expect(try Self.select(.epoll, refusing: [.uring], logs: logs) == .lean(.epoll))
        #expect(throws: Refused.self) { try Self.select(.uring, refusing: [.uring], logs: logs) }
        #expect(throws: Refused.self) { try Self.select(.epoll, refusing: [.epoll], logs: logs) }
        #expect(logs.records.isEmpty)
    }

    @Test("nio, or a listener that needs TLS, is NIO whatever the kernel allows")
    func nioAndTLS() throws {
        let logs = CapturedLogs()
        #expect(try Self.select(.nio, logs: logs) == .nio)
        for choice in [DataPlaneChoice.auto, .uring, .epoll] {
            #expect(try Self.select(choice, plaintext: false, logs: logs) == .nio)
        }
        #expect(logs.records.isEmpty)
    }
}
