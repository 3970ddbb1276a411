import Dashboard
import FleetModel
import FleetModelTesting
import RouterWire
import TUICore
import TUICoreTesting
import Testing
import ThreadTesting

@Suite("Screens on the in-memory terminal", .ownThread)
struct ScreenTests {
    static let sizes: [(Int, Int)] = [(80, 24), (120, 40)]

    @Test("Fleet screen: header, table, health words, function bar", arguments: sizes)
    func fleet(width: Int, height: Int) throws {
        let backend = draw(cannedState(width: width, height: height))
        #expect(backend.line(0).hasPrefix(" fleettop  Fleet"))
        #expect(backend.line(0).contains("3 routers: 2 ok, 1 down"))
        #expect(backend.line(0).contains("23:51:41"), "clock of the canned epoch + 1 s, UTC")
        #expect(backend.line(1).hasPrefix("NAME"))
        #expect(backend.line(2).hasPrefix("edge-down"))
        #expect(backend.line(3).hasPrefix("edge-http"))
        #expect(backend.line(4).hasPrefix("legacy-uwsgi"))
        let healthColumn = try #require(column(of: "HEALTH", row: 1, in: backend))
        #expect(column(of: "unreachable", row: 2, in: backend) == healthColumn)
        #expect(column(of: "ok", row: 3, in: backend) == healthColumn)
        #expect(column(of: "ok", row: 4, in: backend) == healthColumn)
        #expect(backend.line(3).contains("6✓ 0⇣ 0✗") == false, "one fleetrouter node is draining")
        #expect(backend.line(3).contains("5✓ 1⇣ 0✗"))
        #expect(backend.line(4).contains("3✓ 0⇣ 0✗"))
        #expect(backend.line(4).contains("http*"), "a real uWSGI router is marked")
        let bar = backend.line(height - 1)
        for label in ["F1Help", "F2Theme", "F4Filter", "F5Refresh", "F6Sort", "F10Quit"] {
            #expect(bar.contains(label), "function bar lacks \(label): \(bar)")
        }
        #expect(backend.line(height - 2).contains("router edge-down unreachable: connect to 127.0.0.1:9393"))
        #expect(backend.style(x: 0, y: 2)?.role == ThemeRole.selected.styleRole)
        #expect(backend.style(x: 0, y: 3)?.role != ThemeRole.selected.styleRole)
        #expect(backend.style(x: 0, y: height - 2)?.role == ThemeRole.statusError.styleRole)
    }

    @Test("Fleet columns drop by priority: keys and address only on wide terminals")
    func columnPriority() {
        let narrow = draw(cannedState(width: 80, height: 24))
        let wide = draw(cannedState(width: 120, height: 40))
        #expect(!narrow.line(1).contains("ADDRESS"))
        #expect(!narrow.line(1).contains("KEYS"))
        #expect(narrow.line(1).contains("REQ/S"))
        #expect(wide.line(1).contains("ADDRESS"))
        #expect(wide.line(1).contains("CHEAP"))
        #expect(wide.line(3).contains("127.0.0.1:9191"))
        #expect(wide.line(3).contains("no (auto)"))
    }

    @Test("Router screen of the fleetrouter: keys, node states, weights", arguments: sizes)
    func routerScreen(width: Int, height: Int) throws {
        var state = cannedState(width: width, height: height)
        openRouter(CannedFleets.fleetrouterID, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3032", state: &state)
        let backend = draw(state)
        #expect(backend.line(0).contains("Fleet › edge-http"))
        #expect(backend.line(1).hasPrefix("edge-http  ok"))
        #expect(backend.line(2).contains("admin API"))
        #expect(backend.line(3).hasPrefix("KEY"))
        #expect(backend.line(4).hasPrefix("api.example.com"))
        #expect(backend.line(5).hasPrefix("app.example.com"))
        let nodeHeader = try #require(row(containing: "STATE", in: backend))
        #expect(backend.line(nodeHeader).hasPrefix("NODE"))
        let draining = try #require(row(containing: "127.0.0.1:3032", in: backend))
        let stateColumn = try #require(column(of: "STATE", row: nodeHeader, in: backend))
        #expect(column(of: "draining", row: draining, in: backend) == stateColumn)
        #expect(backend.style(x: 0, y: draining)?.role == ThemeRole.selected.styleRole)
        let weighted = try #require(row(containing: "127.0.0.1:3033", in: backend))
        #expect(backend.line(weighted).contains("2→4"))
        #expect(backend.style(x: stateColumn, y: weighted)?.role == ThemeRole.ok.styleRole)
        for label in ["F7Weight", "F8Drain", "F9Kick", "F10Quit"] {
            #expect(backend.line(height - 1).contains(label))
        }
    }

    @Test("Router screen of the real uWSGI sample: key, nodes, greyed edits", arguments: sizes)
    func uwsgiRouter(width: Int, height: Int) throws {
        var state = cannedState(width: width, height: height)
        openRouter(CannedFleets.uwsgiID, state: &state)
        let backend = draw(state)
        #expect(backend.line(1).contains("legacy-uwsgi  ok"))
        #expect(backend.line(1).contains("2.0.21-debian"))
        #expect(backend.line(2).contains("uWSGI router: kick and weight are temporary"))
        #expect(backend.line(4).hasPrefix("app.local"))
        #expect(backend.line(4).contains("3/3 ready"))
        for port in [13031, 13032, 13033] {
            let y = try #require(row(containing: "127.0.0.1:\(port)", in: backend))
            #expect(backend.line(y).contains("ready"))
        }
        // Drain is greyed in the function bar: uWSGI has no sticky drain.
        let bar = backend.line(height - 1)
        let drain = try #require(column(of: "Drain", row: height - 1, in: backend))
        #expect(bar.contains("F8Drain"))
        #expect(backend.style(x: drain, y: height - 1)?.attributes.contains(.dim) == true)
        let kick = try #require(column(of: "Kick", row: height - 1, in: backend))
        #expect(backend.style(x: kick, y: height - 1)?.attributes.contains(.dim) == false)
    }

    @Test("Connections: sessions of the fleetrouter, a notice for uWSGI")
    func connections() throws {
        var state = cannedState()
        openRouter(CannedFleets.fleetrouterID, state: &state)
        press(.enter, state: &state)
        let backend = draw(state)
        #expect(backend.line(1).hasPrefix("edge-http connections (4)"))
        #expect(backend.line(2).hasPrefix("CLIENT"))
        #expect(backend.line(3).hasPrefix("127.0.0.1:51002"), "oldest session first")
        #expect(backend.line(3).contains("1.0M"))
        #expect(backend.line(3).contains("relaying"))

        var uwsgi = cannedState()
        openRouter(CannedFleets.uwsgiID, state: &uwsgi)
        press(.enter, state: &uwsgi)
        #expect(draw(uwsgi).line(2).contains("not available for uWSGI routers"))
    }

    @Test("Connections of a forkpty router: each pty session's client, pid and command instead of key and node")
    func ptyConnections() throws {
        var state = cannedState(width: 100, snapshot: ptySnapshot())
        openRouter(CannedFleets.fleetrouterID, state: &state)
        press(.enter, state: &state)
        let backend = draw(state)
        let header = backend.line(2)
        #expect(header.hasPrefix("CLIENT") && header.contains("PID") && header.contains("COMMAND"), "\(header)")
        #expect(!header.contains("KEY") && !header.contains("NODE"), "\(header)")
        let line = backend.line(3)
        #expect(line.hasPrefix("/run/pty.sock") && line.contains("4242") && line.contains("/bin/sh") && line.contains("2.0K"), "\(line)")
    }

    @Test("Connections of a forkpty router: x asks to close the selected pty session and sends the kick by pid; a routed session cannot be kicked")
    func ptySessionKick() throws {
        var state = cannedState(width: 120, height: 30, snapshot: ptySnapshot())
        openRouter(CannedFleets.fleetrouterID, state: &state)
        press(.enter, state: &state)
        #expect(press(.char("x"), state: &state).isEmpty)
        guard case let .confirm(request)? = state.modal else {
            Issue.record("x opened no dialog: \(String(describing: state.status))")
            return
        }
        #expect(request.stopsTraffic)
        let effects = press(.char("y"), state: &state)
        #expect(effects.compactMap(\.appliedEdit?.edit) == [.kickSession(pid: 4242)])

        var routed = cannedState()
        openRouter(CannedFleets.fleetrouterID, state: &routed)
        press(.enter, state: &routed)
        #expect(press(.char("x"), state: &routed).isEmpty)
        #expect(routed.modal == nil)
        #expect(routed.status?.text.contains("only a forkpty router's pty sessions can be kicked") == true)
    }

    /// The canned fleet with the fleetrouter turned into a forkpty router with one pty session.
    func ptySnapshot() -> FleetSnapshot {
        var snapshot = CannedFleets.snapshot()
        var document = CannedFleets.fleetrouterHTTP(requestsScale: 3)
        document.listeners = .init(routerName: "forkptyrouter", addresses: ["/run/pty.sock"])
        document.kind = "forkptyrouter"
        document.subscriptions = nil
        document.sessions = [
            .init(client: "/run/pty.sock", key: "", node: "", age: 75, tx: 2048, rx: 12, state: "pty", pid: 4242, command: "/bin/sh"),
        ]
        snapshot.recordSuccess(document, for: CannedFleets.fleetrouterID, at: cannedNow)
        return snapshot
    }

    @Test("Router screen of a tuntap router: firewall rules where keys go, peers with bytes, packets and dropped where nodes go")
    func tuntapRouter() throws {
        var state = cannedState(width: 100, height: 30, snapshot: tuntapSnapshot(fleetrouter: true))
        openRouter(CannedFleets.fleetrouterID, state: &state)
        let backend = draw(state)
        #expect(backend.line(1).contains("tuntap") && backend.line(1).contains("2 peers"), "\(backend.line(1))")
        let rules = try #require(row(containing: "CHAIN", in: backend))
        #expect(backend.line(rules + 1).hasPrefix("in") && backend.line(rules + 1).contains("allow 10.0.0.1/32 10.0.0.0/24"))
        #expect(backend.line(rules + 2).hasPrefix("out") && backend.line(rules + 2).contains("deny 10.0.0.3/32 10.0.0.2/32"))
        #expect(backend.line(rules + 3).hasPrefix("route") && backend.line(rules + 3).contains("-> 127.0.0.1:4000"))
        let header = try #require(row(containing: "PEER", in: backend))
        #expect(backend.line(header).contains("TX PKTS") && backend.line(header).contains("DROPPED"), "\(backend.line(header))")
        let peer = backend.line(header + 1)
        #expect(peer.hasPrefix("10.0.0.2") && peer.contains("2.0K") && peer.contains("17") && peer.contains("3"), "\(peer)")
        #expect(!backend.lines.contains { $0.contains("no subscription keys") })
    }

    @Test("Router screen of uWSGI's tuntap router: peers read leniently, packets unknown, a note instead of rules")
    func uwsgiTuntapRouter() throws {
        var state = cannedState(width: 100, height: 30, snapshot: tuntapSnapshot(fleetrouter: false))
        openRouter(CannedFleets.fleetrouterID, state: &state)
        let backend = draw(state)
        #expect(row(containing: "uWSGI's tuntap stats do not include them", in: backend) != nil)
        let header = try #require(row(containing: "PEER", in: backend))
        let peer = backend.line(header + 1)
        #expect(peer.hasPrefix("10.0.0.2") && peer.contains(" - "), "\(peer)")
    }

    /// The canned fleet with the fleetrouter turned into a tuntap router with two peers; as
    /// uWSGI's document (no rules, no packet counts) unless `fleetrouter`.
    func tuntapSnapshot(fleetrouter: Bool) -> FleetSnapshot {
        var snapshot = CannedFleets.snapshot()
        var document = CannedFleets.fleetrouterHTTP(requestsScale: 3)
        document.listeners = nil
        document.kind = fleetrouter ? "tuntap" : nil
        document.subscriptions = nil
        document.staticNodes = nil
        document.sessions = nil
        document.activeSessions = nil
        document.cheap = nil
        var first = StatsDocument.TuntapPeer(addr: "10.0.0.2", addr32: 33_554_442, tx: 2048, rx: 1024, dropped: 3)
        var second = StatsDocument.TuntapPeer(addr: "10.0.0.3", addr32: 50_331_658, tx: 96, rx: 96)
        if fleetrouter {
            (first.txPackets, first.rxPackets, second.txPackets, second.rxPackets) = (17, 11, 1, 1)
            document.tuntapFirewall = .init(
                inbound: ["allow 10.0.0.1/32 10.0.0.0/24"], outbound: ["deny 10.0.0.3/32 10.0.0.2/32"],
                routes: ["10.0.0.0/24 10.1.0.0/16 -> 127.0.0.1:4000"])
        }
        document.peers = [first, second]
        snapshot.recordSuccess(document, for: CannedFleets.fleetrouterID, at: cannedNow)
        return snapshot
    }

    @Test("the help overlay lists every keymap entry")
    func helpOverlay() {
        var state = cannedState(width: 120, height: 40)
        press(.char("?"), state: &state)
        var text = ""
        for _ in 0..<10 {
            text += draw(state).text
            press(.pageDown, state: &state)
        }
        for binding in Keymap.standard.bindings {
            #expect(text.contains(binding.help), "help lacks: \(binding.help)")
            #expect(text.contains(binding.keyLabels), "help lacks keys: \(binding.keyLabels)")
        }
    }

    @Test("at 80×24 the help overlay scrolls to its last entry")
    func helpScrolls() {
        var state = cannedState()
        press(.char("?"), state: &state)
        #expect(draw(state).text.contains("↓ j/PgDn more"))
        press(.pageDown, .pageDown, .pageDown, state: &state)
        let text = draw(state).text
        #expect(text.contains(Keymap.standard.bindings.last?.help ?? "?"))
    }

    @Test("the confirm dialog and weight prompt draw over the screen")
    func dialogs() {
        var state = cannedState()
        openRouter(CannedFleets.fleetrouterID, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        press(.char("d"), state: &state)
        let confirm = draw(state).text
        #expect(confirm.contains("Drain node"))
        #expect(confirm.contains("[ Yes ]"))
        #expect(confirm.contains("y confirm"))
        press(.escape, .char("w"), state: &state)
        type("0", state: &state)
        press(.enter, state: &state)
        let backend = draw(state)
        #expect(backend.text.contains("Set weight"))
        #expect(backend.text.contains("is not a weight"))
        #expect(backend.cursor != nil)
    }

    @Test("the filter line replaces the status line while typing")
    func filterLine() {
        var state = cannedState()
        press(.char("/"), state: &state)
        type("edge", state: &state)
        let backend = draw(state)
        #expect(backend.line(22).hasPrefix("Filter: edge"))
        #expect(backend.cursor == Point(x: 12, y: 22))
        #expect(row(containing: "legacy-uwsgi", in: backend) == nil)
    }

    @Test("monochrome still tells selected, draining, drained and dead apart by attributes")
    func monochrome() throws {
        var state = cannedState(snapshot: everyStateSnapshot(), themes: [BuiltinThemes.monochrome])
        openRouter(CannedFleets.fleetrouterID, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        let backend = draw(state)
        let header = try #require(row(containing: "STATE", in: backend))
        let stateColumn = try #require(column(of: "STATE", row: header, in: backend))
        func attributes(_ address: String) throws -> TextAttributes {
            let y = try #require(row(containing: address, in: backend))
            let style = try #require(backend.style(x: stateColumn, y: y))
            #expect(style.foreground == .default && style.background == .default)
            return style.attributes
        }
        let selected = try attributes("127.0.0.1:3031")
        let draining = try attributes("127.0.0.1:3032")
        let ready = try attributes("127.0.0.1:3033")
        let dead = try attributes("127.0.0.1:3034")
        let drained = try attributes("127.0.0.1:3035")
        #expect(selected.contains(.reverse))
        #expect(Set([selected, draining, ready, dead, drained].map(\.rawValue)).count == 5)
        #expect(draining.contains(.bold) && dead.contains(.dim) && drained.contains(.underline))
        #expect(backend.text.contains("draining") && backend.text.contains("dead") && backend.text.contains("drained"))
    }

    @Test("below 60×15 a clear message replaces the screen", arguments: [(59, 14), (59, 24), (80, 14), (20, 5)])
    func tooSmall(width: Int, height: Int) {
        let text = draw(cannedState(width: width, height: height)).text
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        #expect(words == "terminal too small (need 60×15, have \(width)×\(height))")
    }

    @Test("a resize re-lays the frame out: bars move to the new bottom, columns appear")
    func resize() {
        var state = cannedState()
        let backend = TestBackend(width: 80, height: 24)
        let terminal = Terminal(backend: backend)
        terminal.draw { DashboardView.render(state, into: &$0) }
        #expect(backend.line(23).contains("F10Quit"))
        #expect(!backend.line(1).contains("ADDRESS"))
        backend.size = Size(width: 120, height: 40)
        _ = update(state: &state, event: .resize(Size(width: 120, height: 40)))
        terminal.draw { DashboardView.render(state, into: &$0) }
        #expect(backend.line(39).contains("F10Quit"))
        #expect(backend.line(1).contains("ADDRESS"))
        #expect(row(containing: "Action log", in: backend) != nil, "the log panel shows on tall terminals")
        backend.size = Size(width: 59, height: 14)
        _ = update(state: &state, event: .resize(Size(width: 59, height: 14)))
        terminal.draw { DashboardView.render(state, into: &$0) }
        #expect(backend.text.contains("terminal too small"))
    }

    @Test("the action log panel shows sent edits and their outcomes")
    func actionLogPanel() throws {
        var state = cannedState(width: 120, height: 40)
        openRouter(CannedFleets.fleetrouterID, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        let effects = press(.char("d"), .char("y"), state: &state)
        guard case let .apply(plan)? = effects.first else {
            Issue.record("no apply")
            return
        }
        #expect(draw(state).text.contains("drain 127.0.0.1:3031 (app.example.com)  → waiting…"))
        _ = update(state: &state, event: .editFinished(plan, .applied))
        let backend = draw(state)
        let y = try #require(row(containing: "→ applied", in: backend))
        #expect(backend.line(y).contains("edge-http"))
        #expect(backend.style(x: 0, y: y)?.role == ThemeRole.logApplied.styleRole)
    }

    @Test("a stale router shows its age in the Health column")
    func staleRouter() throws {
        var state = cannedState()
        _ = update(state: &state, event: .tick(cannedNow + 12))
        let backend = draw(state)
        let y = try #require(row(containing: "edge-http", in: backend))
        #expect(backend.line(y).contains("stale 12s"))
    }
}
