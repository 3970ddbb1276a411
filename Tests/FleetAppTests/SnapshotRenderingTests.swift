import FleetModel
import FleetModelTesting
import Foundation
import RouterWire
import Testing
@testable import FleetApp

@Suite("snapshot: text tables and JSON")
struct SnapshotRenderingTests {
    private let now = FleetInstant(secondsSinceEpoch: CannedFleets.epoch + 1)

    @Test("text tables of the canned fleet, line for line")
    func text() {
        let text = SnapshotTextRenderer.render(CannedFleets.snapshot(), at: now)
        let expected = """
            ROUTERS
            ROUTER        KIND  ADDRESS          HEALTH  CHEAP      KEYS  NODES  STATES               SESSIONS   REQ/S
            edge-http     http  127.0.0.1:9191   ok      no (auto)     2      6  ready 5, draining 1         4  1840.0
            legacy-uwsgi  http  127.0.0.1:19191  ok      no            1      3  ready 3                     0     9.0
            edge-down     -     127.0.0.1:9393   down    -             -      -  -                           -       -

            KEYS
            ROUTER        KEY              NODES  READY  HITS  HITS/S
            edge-http     api.example.com      3      3  1220   610.0
            edge-http     app.example.com      3      2  2460  1230.0
            legacy-uwsgi  app.local            3      3    39     9.0

            NODES
            ROUTER        KEY              NODE             STATE     WEIGHT  IN-FLIGHT  REQUESTS  REQ/S  FAILCNT      TX      RX
            edge-http     api.example.com  127.0.0.1:4041   ready          1          0       400  200.0        0  204800   72000
            edge-http     api.example.com  127.0.0.1:4042   ready          1          1       420  210.0        0  215040   75600
            edge-http     api.example.com  127.0.0.1:4043   ready          1          0       400  200.0        0  204800   72000
            edge-http     app.example.com  127.0.0.1:3031   ready          1          1       800  400.0        0  409600  144000
            edge-http     app.example.com  127.0.0.1:3032   draining       1          2       760  380.0        0  389120  136800
            edge-http     app.example.com  127.0.0.1:3033   ready         4*          0       900  450.0        0  460800  162000
            legacy-uwsgi  app.local        127.0.0.1:13031  ready          1          0        13    3.0        0    1261    3479
            legacy-uwsgi  app.local        127.0.0.1:13032  ready          1          0        13    3.0        0    1261    3479
            legacy-uwsgi  app.local        127.0.0.1:13033  ready          1          0        13    3.0        0    1261    3477

            """
        #expect(text.split(separator: "\n", omittingEmptySubsequences: false) == expected.split(separator: "\n", omittingEmptySubsequences: false))
    }

    @Test("a fleet where nobody answered prints only the routers table")
    func nobodyAnswered() {
        var snapshot = FleetSnapshot(endpoints: [CannedFleets.endpoints[2]])
        snapshot.recordFailure(CannedFleets.unreachableError, for: CannedFleets.unreachableID, at: now)
        #expect(SnapshotTextRenderer.render(snapshot, at: now) == """
            ROUTERS
            ROUTER     KIND  ADDRESS         HEALTH  CHEAP  KEYS  NODES  STATES  SESSIONS  REQ/S
            edge-down  -     127.0.0.1:9393  down    -         -      -  -              -      -

            """)
    }

    @Test("--json is one object keyed by router that decodes back to the documents")
    func json() throws {
        let snapshot = CannedFleets.snapshot()
        let text = SnapshotJSONRenderer.render(snapshot)
        let decoded = try JSONDecoder().decode([String: StatsDocument].self, from: Data(text.utf8))
        #expect(Set(decoded.keys) == ["edge-http", "legacy-uwsgi"])
        #expect(decoded["edge-http"] == snapshot[CannedFleets.fleetrouterID]?.latest)
        #expect(decoded["legacy-uwsgi"] == snapshot[CannedFleets.uwsgiID]?.latest)
        // Fleet order is kept in the text.
        let first = try #require(text.range(of: "\"edge-http\""))
        let second = try #require(text.range(of: "\"legacy-uwsgi\""))
        #expect(first.lowerBound < second.lowerBound)
    }

    @Test("router names are escaped as JSON strings")
    func escaping() {
        #expect(SnapshotJSONRenderer.quoted("a\"b\\c\n\u{1}") == "\"a\\\"b\\\\c\\n\\u0001\"")
    }

    @Test("snapshot report: errors name router and address; exit 1 only when nobody answered")
    func report() async {
        let control = CannedFleets.fakeControl()
        let clock = ManualFleetClock(start: CannedFleets.epoch)
        let some = await SnapshotRunner.report(
            endpoints: CannedFleets.endpoints, control: control, json: false, timeout: 5, clock: clock)
        #expect(some.exitCode == 0)
        #expect(some.errors == ["router edge-down (127.0.0.1:9393): \(CannedFleets.unreachableError)"])
        #expect(some.output.contains("legacy-uwsgi  app.local        127.0.0.1:13031  ready"))
        let none = await SnapshotRunner.report(
            endpoints: [CannedFleets.endpoints[2]], control: control, json: true, timeout: 5, clock: clock)
        #expect(none.exitCode == 1)
        #expect(none.output == "{}\n")
        #expect(none.errors.last == "no router answered")
    }
}
