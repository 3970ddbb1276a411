import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import RouterConfig
import RouterCore
import RouterWire
import Testing
import RouterCoreTesting
@testable import RouterRuntime

/// Memory and the state file never disagree; a corrupt file names the way out.
@Suite("State file failures")
struct StateFileTrustTests {
    @Test("an edit whose state-file write fails is rolled back and answered 500 naming the file and errno")
    func failedSaveRollsBack() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let (configuration, _) = try RouterConfiguration.parse(arguments: [
            "--fastrouter", "127.0.0.1:0", "--fastrouter-to", "127.0.0.1:3031",
        ]) { _ in "" }
        let engine = try RouterEngine(
            spec: configuration.routers[0], global: configuration, sessions: SessionTable(group: RouterHarness.group), logger: quietLogger)
        // The directory does not exist, so creating the temp file fails with ENOENT.
        let path = "\(directory)/missing/state.json"
        let handler = FleetAdminHandler(engines: [engine], stateFile: StateFile(path: path), logger: quietLogger)
        let before = engine.operators
        let reply = await handler.handle(AdminCall(
            method: .POST, path: "/v1/nodes/drain", query: nil, body: ByteBuffer(string: #"{"node":"127.0.0.1:3031"}"#),
            peer: "test", authenticated: true))
        #expect(reply.status == .internalServerError)
        let response = try AdminResponse.decode(Array(reply.body.readableBytesView))
        #expect(!response.ok)
        #expect(response.message.contains(path))
        #expect(response.message.contains("errno \(ENOENT)"))
        #expect(response.message.contains("rolled back"))
        #expect(engine.operators == before)
        #expect(!engine.operators.override(key: nil, address: "127.0.0.1:3031").drain)
    }

    @Test("a corrupt state file stops the start with an error naming --state-file-discard-corrupt")
    func corruptNamesTheOption() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let path = "\(directory)/state.json"
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        let (configuration, _) = try RouterConfiguration.parse(arguments: [
            "--fastrouter", "127.0.0.1:0", "--fastrouter-to", "127.0.0.1:3031", "--state-file", path,
        ]) { _ in "" }
        do {
            let process = try await FleetRouterProcess.start(configuration: configuration, logger: quietLogger, handleSignals: false, announce: { _ in }, cancellationBackstop: Slowdown.scaled(.seconds(10)))
            await process.shutdown()
            Issue.record("a corrupt state file was accepted")
        } catch {
            #expect("\(error)".contains("--state-file-discard-corrupt"))
            #expect("\(error)".contains(path))
        }
    }

    @Test("--state-file-discard-corrupt renames the bad file aside, says where, and starts")
    func discardCorrupt() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let path = "\(directory)/state.json"
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        let (configuration, _) = try RouterConfiguration.parse(arguments: [
            "--fastrouter", "127.0.0.1:0", "--fastrouter-to", "127.0.0.1:3031", "--state-file", path,
            "--state-file-discard-corrupt",
        ]) { _ in "" }
        let lines = LineCollector()
        let process = try await FleetRouterProcess.start(
            configuration: configuration, logger: quietLogger, handleSignals: false, announce: { lines.append($0) }, cancellationBackstop: Slowdown.scaled(.seconds(10)))
        await process.shutdown()
        let note = try #require(lines.lines.first { $0.contains("renamed to") })
        let aside = String(note[note.range(of: "renamed to ")!.upperBound...])
        #expect(aside.hasPrefix("\(path).corrupt-"))
        #expect(FileManager.default.fileExists(atPath: aside))
        #expect(!FileManager.default.fileExists(atPath: path) || (try? Data(contentsOf: URL(fileURLWithPath: path))) != Data("{not json".utf8))
    }
}

/// Collects announcement lines from any thread.
final class LineCollector: Sendable {
    private let stored = NIOLockedValueBox<[String]>([])
    func append(_ line: String) { stored.withLockedValue { $0.append(line) } }
    var lines: [String] { stored.withLockedValue { $0 } }
}
