import Dashboard
import FleetModel
import FleetModelTesting
import RouterWire
import TUICore
import TUICoreTesting
import Testing
@testable import FleetApp

@Suite("UI loop on TestBackend with FakeFleetControl", .serialized)
struct AppLoopTests {
    private static let firstSnapshot: ScriptStep = .waitFor { $0.snapshots >= 1 }

    /// Fleet rows are sorted by name (edge-down, edge-http, legacy-uwsgi): `j` Enter opens
    /// edge-http, whose node list starts with api.example.com's 4041, then 4042 (1 in flight).
    private static let openEdgeHTTPSecondNode: [ScriptStep] = [
        firstSnapshot, .key(.char("j")), .key(.enter), .key(.char("j")),
    ]

    @Test("d then y applies exactly one drain; the next frame shows the node draining; q leaves")
    func drain() async throws {
        let control = CannedFleets.fakeControl()
        let result = await runSession(Self.openEdgeHTTPSecondNode + [
            .key(.char("d")), .key(.char("y")),
            .waitFor { $0.editsFinished >= 1 },
            .waitFor { $0.snapshots >= 2 },
            .key(.char("q")),
        ], control: control)
        #expect(result.reason == .quit)
        #expect(result.waitsTimedOut == 0)
        #expect(result.statistics.editsStarted == 1)
        let edits = await control.receivedEdits
        #expect(edits.map(\.edit) == [.drain(NodeRef(key: "api.example.com", node: "127.0.0.1:4042"))])
        #expect(edits.map(\.router) == [CannedFleets.fleetrouterID])
        #expect(edits.first?.outcome == .applied)
        let row = try #require(result.screen.split(separator: "\n").first { $0.hasPrefix("127.0.0.1:4042") })
        #expect(row.contains("draining"), "\(row)")
        #expect(result.screen.contains("drain 127.0.0.1:4042 (api.example.com): applied"))
    }

    @Test("before the edit the node is ready (the drain is what changes it)")
    func readyBeforeDrain() async throws {
        let result = await runSession(Self.openEdgeHTTPSecondNode + [.key(.char("q"))], control: CannedFleets.fakeControl())
        let row = try #require(result.screen.split(separator: "\n").first { $0.hasPrefix("127.0.0.1:4042") })
        #expect(row.contains("ready"), "\(row)")
        #expect(result.statistics.editsStarted == 0)
    }

    @Test("q ends the loop at once, leaving later input unread")
    func quit() async {
        let result = await runSession([.key(.char("q")), .key(.char("j")), .key(.char("j"))], control: CannedFleets.fakeControl())
        #expect(result.reason == .quit)
        #expect(result.statistics.frames == 1)
        #expect(!result.inputExhausted)
    }

    @Test("--max-frames 3 stops after the third frame")
    func maxFrames() async {
        // Initial frame, help open, help closed: three frames; the later keys are never read.
        let result = await runSession(
            [.key(.char("?")), .key(.escape), .key(.char("?")), .key(.escape), .key(.char("q"))],
            control: CannedFleets.fakeControl(), maxFrames: 3, size: Size(width: 80, height: 24))
        #expect(result.reason == .frameLimit)
        #expect(result.statistics.frames == 3)
        #expect(!result.inputExhausted)
    }

    @Test("--readonly: d and y send nothing")
    func readOnly() async {
        let control = CannedFleets.fakeControl()
        let result = await runSession(Self.openEdgeHTTPSecondNode + [
            .key(.char("d")), .key(.char("y")), .key(.char("x")), .key(.char("y")), .key(.char("q")),
        ], control: control, readOnly: true)
        #expect(result.reason == .quit)
        #expect(result.statistics.editsStarted == 0)
        #expect(await control.receivedEdits.isEmpty)
        #expect(result.screen.contains("read-only"))
    }

    @Test("a router that fails is shown, not fatal; resize re-lays out")
    func failureAndResize() async {
        let result = await runSession([
            Self.firstSnapshot, .resize(Size(width: 70, height: 20)), .key(.char("q")),
        ], control: CannedFleets.fakeControl(), size: Size(width: 120, height: 40))
        #expect(result.reason == .quit)
        #expect(result.screen.contains("edge-down"))
        #expect(result.screen.split(separator: "\n").allSatisfy { $0.count <= 70 })
    }
}
