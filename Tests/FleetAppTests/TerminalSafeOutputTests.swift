import FleetModel
import FleetModelTesting
import RouterWire
import Testing
@testable import FleetApp

@Suite("snapshot and ctl escape router-supplied control characters")
struct TerminalSafeOutputTests {
    @Test("controls become visible escapes; plain and non-ASCII text is unchanged")
    func escaping() {
        #expect(TerminalSafeText.escaped("app.example.com") == "app.example.com")
        #expect(TerminalSafeText.escaped("café ✓") == "café ✓")
        #expect(TerminalSafeText.escaped("a\u{1B}[2Jb") == "a\\e[2Jb")
        #expect(TerminalSafeText.escaped("x\ny\tz\r") == "x\\ny\\tz\\r")
        #expect(TerminalSafeText.escaped("\u{07}\u{7F}\u{9B}") == "\\x07\\x7F\\u{9B}")
        #expect(TerminalSafeText.escapedLines("a\u{1B}\nb") == "a\\e\nb")
    }

    @Test("snapshot text: a key and node name with escape sequences reach stdout escaped")
    func snapshotText() {
        var document = CannedFleets.fleetrouterHTTP()
        if var slot = document.subscriptions?.first {
            slot.key = "evil\u{1B}]0;owned\u{07}.example"
            slot.nodes[0].name = "n\u{1B}[31m"
            document.subscriptions = [slot]
        }
        var snapshot = FleetSnapshot(endpoints: CannedFleets.endpoints)
        let now = FleetInstant(secondsSinceEpoch: CannedFleets.epoch)
        snapshot.recordSuccess(document, for: CannedFleets.fleetrouterID, at: now)
        let text = SnapshotTextRenderer.render(snapshot, at: now)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(text.contains("evil\\e]0;owned\\x07.example"))
        #expect(text.contains("n\\e[31m"))
    }

    @Test("ctl: a router's error text with escape sequences is printed escaped")
    func ctlMessage() async {
        let stats = StatsAddress.tcp(host: "127.0.0.1", port: 9191)
        let fake = FakeFleetControl(documents: [:], pollErrors: [RouterID(stats.derivedName): "bad\u{1B}[2J\u{1B}]0;x\u{07}"])
        let report = await CtlRunner.report(CtlConfiguration(stats: stats, edit: .setCheap(.on)), control: fake)
        #expect(!report.applied)
        #expect(!report.message.unicodeScalars.contains { $0.value < 0x20 })
        #expect(report.message.contains("bad\\e[2J\\e]0;x\\x07"))
    }
}
