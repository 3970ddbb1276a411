import Dashboard
import FleetModel
import FleetModelTesting
import Foundation
import RouterWire
import TUICore
import TUICoreTesting
import Testing
import ThreadTesting

/// A fleet with one router of every kind: some named in a fleet file, some given only by
/// address (so named after it), one a real uWSGI forkptyrouter (`forkptyrouter*`, the widest kind).
enum KindsFleet {
    static let at = FleetInstant(secondsSinceEpoch: CannedFleets.epoch)
    static let now = at + 1

    /// (endpoint, kind, uWSGI?) in fleet order.
    static let routers: [(endpoint: RouterEndpoint, kind: String, uwsgi: Bool)] = {
        let unnamed = RouterEndpoint.fromAddresses([
            .tcp(host: "127.0.0.1", port: 36327), .tcp(host: "127.0.0.1", port: 36328),
            .unix(path: "/run/fleettop-demo/sslrouter.stats"), .abstract(name: "tuntap-stats"),
        ])
        return [
            (RouterEndpoint(name: "edge-http", stats: .tcp(host: "127.0.0.1", port: 9191)), "http", false),
            (unnamed[0], "fastrouter", false),
            (unnamed[1], "rawrouter", false),
            (unnamed[2], "sslrouter", false),
            (RouterEndpoint(name: "legacy-pty", stats: .tcp(host: "10.0.0.7", port: 1717)), "forkptyrouter", true),
            (RouterEndpoint(name: "edge-https", stats: .http(host: "127.0.0.1", port: 9443, path: "/stats")), "https", false),
            (unnamed[3], "tuntap", false),
        ]
    }()

    static func snapshot() -> FleetSnapshot {
        var snapshot = FleetSnapshot(endpoints: routers.map(\.endpoint))
        for router in routers {
            var document: StatsDocument
            if router.uwsgi {
                document = CannedFleets.uwsgiHTTPAfterRequests()
                document.listeners = .init(routerName: router.kind, addresses: ["127.0.0.1:2222"])
            } else {
                document = CannedFleets.fleetrouterHTTP()
                document.kind = router.kind
            }
            snapshot.recordSuccess(document, for: router.endpoint.id, at: at)
        }
        return snapshot
    }

    static func state(width: Int, height: Int = 30) -> DashboardState {
        DashboardState(snapshot: snapshot(), size: Size(width: width, height: height), now: now)
    }

    /// The kind as the table shows it.
    static func kindText(_ router: (endpoint: RouterEndpoint, kind: String, uwsgi: Bool)) -> String {
        router.kind + (router.uwsgi ? "*" : "")
    }
}

@Suite("Fleet column plan: short columns at their natural width, names and kinds whole", .ownThread)
struct ColumnPlanTests {
    /// The cell of `column` (by header) on row `y`: the text from the header's start to the next header's.
    static func cell(_ header: String, row y: Int, in backend: TestBackend) -> String? {
        let headerLine = Array(backend.line(1))
        let line = Array(backend.line(y))
        guard let start = column(of: header, row: 1, in: backend) else { return nil }
        var end = start + header.count
        // The next header starts after a run of spaces.
        while end < headerLine.count, headerLine[end] != " " { end += 1 }
        while end < headerLine.count, headerLine[end] == " " { end += 1 }
        guard start < line.count else { return "" }
        return String(line[start..<min(end, line.count)]).trimmingCharacters(in: .whitespaces)
    }

    /// The row of the router named `name` (the rows are sorted by name).
    static func row(of name: String, in backend: TestBackend) -> Int? {
        (2..<backend.lines.count).first { backend.line($0).hasPrefix(name + " ") }
    }

    @Test("every width from 80 to 240: kinds and names never cut; at 100 and more every kind shows",
          arguments: Array(80...240))
    func everyWidth(width: Int) throws {
        let backend = draw(KindsFleet.state(width: width))
        let header = backend.line(1)
        #expect(header.hasPrefix("NAME"))
        for column in ["HEALTH", "NODES", "REQ/S"] {
            #expect(header.contains(column), "\(column) missing at \(width)")
        }
        if width >= 100 { #expect(header.contains("KIND"), "KIND dropped at \(width)") }
        for router in KindsFleet.routers {
            let name = router.endpoint.name
            let y = try #require(Self.row(of: name, in: backend), "\(name) missing or cut at \(width): \(backend.text)")
            if header.contains("KIND") {
                #expect(Self.cell("KIND", row: y, in: backend) == KindsFleet.kindText(router),
                        "kind of \(name) at \(width): \(backend.line(y))")
            }
            if header.contains("ADDRESS") {
                let address = try #require(Self.cell("ADDRESS", row: y, in: backend))
                #expect(address != name, "ADDRESS repeats the name of \(name) at \(width)")
            }
            #expect(!(Self.cell("NAME", row: y, in: backend) ?? "").contains("…"), "name cut at \(width): \(backend.line(y))")
        }
    }

    @Test("80 columns: names whole, the short columns, no ADDRESS or KEYS")
    func width80() throws {
        let backend = draw(KindsFleet.state(width: 80))
        let header = backend.line(1)
        #expect(!header.contains("ADDRESS"))
        #expect(!header.contains("KEYS"))
        #expect(header.contains("KIND"))
        #expect(header.contains("TREND"))
        let y = try #require(Self.row(of: "127.0.0.1:36327", in: backend))
        #expect(Self.cell("KIND", row: y, in: backend) == "fastrouter")
        #expect(Self.cell("HEALTH", row: y, in: backend) == "ok")
    }

    @Test("100 columns: every kind whole, HEALTH as wide as its header, no blank padding after ok")
    func width100() throws {
        let backend = draw(KindsFleet.state(width: 100))
        let header = backend.line(1)
        let health = try #require(column(of: "HEALTH", row: 1, in: backend))
        #expect(column(of: "CHEAP", row: 1, in: backend) == health + 7 || column(of: "KEYS", row: 1, in: backend) == health + 7,
                "HEALTH is 6 wide when every router is ok: \(header)")
        let pty = try #require(Self.row(of: "legacy-pty", in: backend))
        #expect(Self.cell("KIND", row: pty, in: backend) == "forkptyrouter*")
        let kind = try #require(column(of: "KIND", row: 1, in: backend))
        #expect(column(of: "HEALTH", row: 1, in: backend) == kind + 15, "KIND is 14 wide: forkptyrouter and the uWSGI mark")
    }

    @Test("120 columns: ADDRESS shows what NAME does not; blank for a router named after its address")
    func width120() throws {
        let backend = draw(KindsFleet.state(width: 120))
        #expect(backend.line(1).contains("ADDRESS"))
        let edge = try #require(Self.row(of: "edge-http", in: backend))
        #expect(Self.cell("ADDRESS", row: edge, in: backend) == "127.0.0.1:9191")
        let ssl = try #require(Self.row(of: "sslrouter.stats", in: backend))
        #expect(Self.cell("ADDRESS", row: ssl, in: backend)?.hasPrefix("/run/fleettop-demo/") == true)
        let fast = try #require(Self.row(of: "127.0.0.1:36327", in: backend))
        #expect(Self.cell("ADDRESS", row: fast, in: backend) == "")
        let tuntap = try #require(Self.row(of: "@tuntap-stats", in: backend))
        #expect(Self.cell("KIND", row: tuntap, in: backend) == "tuntap")
    }

    @Test("200 columns: every column whole; the sparkline takes the rest")
    func width200() throws {
        let backend = draw(KindsFleet.state(width: 200))
        let header = backend.line(1)
        for column in ["NAME", "KIND", "ADDRESS", "HEALTH", "CHEAP", "KEYS", "NODES", "SESS", "REQ/S", "TX/S", "RX/S", "TREND"] {
            #expect(header.contains(column), "\(column) missing at 200")
        }
        let ssl = try #require(Self.row(of: "sslrouter.stats", in: backend))
        #expect(Self.cell("ADDRESS", row: ssl, in: backend) == "/run/fleettop-demo/sslrouter.stats")
        let trend = try #require(column(of: "TREND", row: 1, in: backend))
        #expect(trend < 200 - 30, "the sparkline gets the room left over")
    }

    @Test("health detail goes to the status line for the selected router, not into the column")
    func healthDetail() throws {
        var state = cannedState(width: 120, height: 40)
        let down = try #require(state.fleetRows.firstIndex { $0.id == CannedFleets.unreachableID })
        state.fleetTable.selected = down
        var backend = draw(state)
        let y = try #require(Self.row(of: "edge-down", in: backend))
        #expect(Self.cell("HEALTH", row: y, in: backend) == "unreachable")
        #expect(!backend.line(y).contains("connection refused"))
        #expect(backend.line(38).contains("router edge-down unreachable: \(CannedFleets.unreachableError)"))

        // Stale with an error: `stale 12s` in the table, the error in the status line when selected.
        var stale = state
        stale.snapshot.recordFailure("timed out", for: CannedFleets.fleetrouterID, at: cannedNow + 11)
        _ = update(state: &stale, event: .tick(cannedNow + 12))
        stale.fleetTable.selected = stale.fleetRows.firstIndex { $0.id == CannedFleets.fleetrouterID }
        backend = draw(stale)
        let edge = try #require(Self.row(of: "edge-http", in: backend))
        #expect(Self.cell("HEALTH", row: edge, in: backend)?.hasPrefix("stale") == true)
        #expect(!backend.line(edge).contains("timed out"))
        #expect(backend.line(38).contains("router edge-http stale"))
        #expect(backend.line(38).contains("timed out"))
    }
}

