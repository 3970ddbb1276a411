import Dashboard
import FleetModel
import FleetModelTesting
import RouterWire
import TUICore
import TUICoreTesting
import Testing
import ThreadTesting

@Suite("Reducer: keys → state + effects", .ownThread)
struct ReducerTests {
    let app3031 = NodeRef(key: "app.example.com", address: "127.0.0.1:3031")

    @Test("d opens a confirm; y sends exactly one drain for that router and node")
    func drainConfirmYes() {
        var state = cannedState()
        openRouter(CannedFleets.fleetrouterID, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        #expect(press(.char("d"), state: &state).isEmpty)
        guard case let .confirm(request)? = state.modal else {
            Issue.record("no confirm dialog, status: \(String(describing: state.status))")
            return
        }
        #expect(request.message.contains("127.0.0.1:3031"))
        let effects = press(.char("y"), state: &state)
        #expect(effects.count == 1)
        #expect(effects.first?.appliedEdit?.router == CannedFleets.fleetrouterID)
        #expect(effects.first?.appliedEdit?.edit == .drain(app3031))
        #expect(state.modal == nil)
        #expect(state.actionLog.entries.count == 1)
        #expect(state.actionLog.pendingCount == 1)
    }

    @Test("n and Esc cancel the confirm and send nothing", arguments: [Key.char("n"), .escape])
    func drainConfirmNo(key: Key) {
        var state = cannedState()
        openRouter(CannedFleets.fleetrouterID, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        press(.char("d"), state: &state)
        #expect(state.modal != nil)
        #expect(press(key, state: &state).isEmpty)
        #expect(state.modal == nil)
        #expect(state.actionLog.entries.isEmpty)
    }

    @Test("Enter presses the focused button: kick opens on No, Tab moves to Yes")
    func enterFollowsButton() {
        var state = cannedState()
        openRouter(CannedFleets.fleetrouterID, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        press(.char("x"), state: &state)
        #expect(press(.enter, state: &state).isEmpty)
        press(.char("x"), state: &state)
        let effects = press(.tab, .enter, state: &state)
        #expect(effects.map(\.appliedEdit?.edit) == [.kick(app3031)])
    }

    @Test("--readonly sends nothing, opens nothing, and says why", arguments: ["d", "u", "w", "x", "c", "D"])
    func readOnly(key: Character) {
        var state = cannedState(readOnly: true)
        openRouter(CannedFleets.fleetrouterID, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        let effects = press(.char(key), .char("y"), state: &state)
        #expect(effects.isEmpty)
        #expect(state.modal == nil)
        #expect(state.status?.text.contains("read-only") == true)
        #expect(state.status?.isError == true)
    }

    @Test("w prompt rejects 0 and abc, accepts 5")
    func weightPrompt() {
        var state = cannedState()
        openRouter(CannedFleets.fleetrouterID, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        press(.char("w"), state: &state)
        #expect(type("0", state: &state).isEmpty)
        #expect(press(.enter, state: &state).isEmpty)
        guard case let .weightPrompt(rejected)? = state.modal else {
            Issue.record("prompt closed after 0")
            return
        }
        #expect(rejected.error?.contains("'0' is not a weight") == true)
        press(.ctrl("u"), state: &state)
        type("abc", state: &state)
        #expect(press(.enter, state: &state).isEmpty)
        guard case let .weightPrompt(again)? = state.modal else {
            Issue.record("prompt closed after abc")
            return
        }
        #expect(again.error?.contains("'abc'") == true)
        press(.ctrl("u"), state: &state)
        type("5", state: &state)
        let effects = press(.enter, state: &state)
        #expect(effects.map(\.appliedEdit?.edit) == [.setWeight(app3031, 5)])
        #expect(state.modal == nil)
    }

    @Test("weight on a real uWSGI node is marked temporary in the prompt")
    func weightTemporaryOnUWSGI() {
        var state = cannedState()
        openRouter(CannedFleets.uwsgiID, state: &state)
        selectNode(key: "app.local", address: "127.0.0.1:13031", state: &state)
        press(.char("w"), state: &state)
        guard case let .weightPrompt(prompt)? = state.modal else {
            Issue.record("no prompt")
            return
        }
        #expect(prompt.temporaryReason == RouterCapabilities.Reason.uwsgiWeightTemporary)
        let screen = draw(state).text
        #expect(screen.contains("Temporary"))
    }

    @Test("D plans one drain per router listing the address and names those that cannot")
    func drainEverywhere() {
        var state = cannedState(width: 120, height: 40, snapshot: sharedNodeSnapshot())
        openRouter(CannedFleets.fleetrouterID, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        press(.char("D"), state: &state)
        guard case let .confirm(request)? = state.modal else {
            Issue.record("no confirm, status: \(String(describing: state.status))")
            return
        }
        #expect(request.plan.count == 3)
        #expect(request.message.contains("2 router(s) can"))
        #expect(request.message.contains("1 router(s) cannot: legacy-uwsgi"))
        // The fleet-wide form is the one place the dashboard edits a fleetrouter process-wide,
        // and the confirmation says so.
        #expect(request.message.contains("Process-wide"))
        let effects = press(.char("y"), state: &state)
        #expect(Set(effects.compactMap(\.appliedEdit?.router)) == ["edge-http", "edge-http-2"])
        #expect(effects.allSatisfy { $0.appliedEdit?.edit == .drain(app3031) })
        #expect(effects.allSatisfy { if case let .apply(plan) = $0 { plan.reach == .everyRouterOfProcess } else { false } })
    }

    @Test("c on a uWSGI router emits nothing and shows the reason")
    func cheapOnUWSGI() {
        var state = cannedState()
        state.fleetTable.selected = state.fleetRows.firstIndex { $0.id == CannedFleets.uwsgiID }
        let effects = press(.char("c"), .char("y"), state: &state)
        #expect(effects.isEmpty)
        #expect(state.modal == nil)
        #expect(state.status?.text.contains(RouterCapabilities.Reason.uwsgiCheap) == true)
    }

    @Test("c on a fleetrouter cycles auto → on after confirmation")
    func cheapOnFleetrouter() {
        var state = cannedState()
        state.fleetTable.selected = state.fleetRows.firstIndex { $0.id == CannedFleets.fleetrouterID }
        _ = press(.char("c"), state: &state)
        guard case let .confirm(request)? = state.modal else {
            Issue.record("no confirm, status: \(String(describing: state.status))")
            return
        }
        #expect(request.message.hasPrefix("Cheap on for \(CannedFleets.fleetrouterID) only (now auto)?"))
        let effects = press(.char("y"), state: &state)
        #expect(effects.map(\.appliedEdit?.edit) == [.setCheap(.on)])
        // A single-router edit names its router alone.
        #expect(effects.allSatisfy { if case let .apply(plan) = $0 { plan.reach == .chosenRouter } else { false } })
    }

    @Test("d on a uWSGI node emits nothing and gives uWSGI's reason")
    func drainOnUWSGI() {
        var state = cannedState()
        openRouter(CannedFleets.uwsgiID, state: &state)
        selectNode(key: "app.local", address: "127.0.0.1:13031", state: &state)
        #expect(press(.char("d"), .char("y"), state: &state).isEmpty)
        #expect(state.status?.text.contains("uWSGI has no sticky drain") == true)
    }

    @Test("edit outcomes land in the action log and the status line")
    func outcomesLogged() {
        var state = cannedState()
        openRouter(CannedFleets.fleetrouterID, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        let effects = press(.char("d"), .char("y"), state: &state)
        guard case let .apply(plan)? = effects.first else {
            Issue.record("no apply effect")
            return
        }
        let after = update(state: &state, event: .editFinished(plan, .applied))
        #expect(after == [.refreshNow])
        #expect(state.actionLog.entries.last?.outcome == .applied)
        #expect(state.actionLog.pendingCount == 0)
        _ = update(state: &state, event: .editFinished(plan, .refused(reason: "no such node")))
        #expect(state.actionLog.entries.last?.outcome == .refused(reason: "no such node"))
        #expect(state.status?.isError == true)
        #expect(state.status?.text.contains("refused: no such node") == true)
    }

    @Test("/ filter narrows rows live; Enter keeps it, Esc clears it")
    func filter() {
        var state = cannedState()
        #expect(state.fleetRows.count == 3)
        press(.char("/"), state: &state)
        type("legacy", state: &state)
        #expect(state.fleetRows.map(\.id) == [CannedFleets.uwsgiID])
        press(.enter, state: &state)
        #expect(state.modal == nil)
        #expect(state.fleetRows.count == 1)
        press(.escape, state: &state)
        #expect(state.fleetRows.count == 3)
    }

    @Test("s reverses, < and > move the sort column; the selection follows its router")
    func sorting() {
        var state = cannedState()
        #expect(state.fleetRows.map(\.name) == ["edge-down", "edge-http", "legacy-uwsgi"])
        press(.down, state: &state)
        #expect(state.selectedFleetRow?.id == CannedFleets.fleetrouterID)
        press(.char("s"), state: &state)
        #expect(state.fleetRows.map(\.name) == ["legacy-uwsgi", "edge-http", "edge-down"])
        #expect(state.selectedFleetRow?.id == CannedFleets.fleetrouterID)
        press(.char(">"), state: &state)
        #expect(state.fleetSort.column == .kind)
        press(.char("<"), .char("<"), state: &state)
        #expect(state.fleetSort.column == .rx)
    }

    @Test("Enter drills fleet → router → connections, Esc walks back")
    func navigation() {
        var state = cannedState()
        press(.char("j"), .enter, state: &state)
        #expect(state.screen == .router(CannedFleets.fleetrouterID))
        press(.enter, state: &state)
        #expect(state.screen == .connections(CannedFleets.fleetrouterID))
        #expect(state.sessionRows.count == 4)
        press(.escape, .escape, state: &state)
        #expect(state.screen == .fleet)
        press(.escape, state: &state)
        #expect(state.screen == .fleet)
    }

    @Test("arrows, j/k, PgUp/PgDn, Home/End move the selection within bounds")
    func movement() {
        var state = cannedState()
        press(.end, state: &state)
        #expect(state.fleetTable.selected == 2)
        press(.char("j"), state: &state)
        #expect(state.fleetTable.selected == 2)
        press(.home, state: &state)
        #expect(state.fleetTable.selected == 0)
        press(.pageDown, state: &state)
        #expect(state.fleetTable.selected == 2)
        press(.char("k"), .up, .up, state: &state)
        #expect(state.fleetTable.selected == 0)
    }

    @Test("q and F10 quit; p toggles pause; r refreshes; t cycles themes")
    func globalKeys() {
        var state = cannedState()
        #expect(press(.char("q"), state: &state) == [.quit])
        #expect(press(.function(10), state: &state) == [.quit])
        #expect(press(.char("p"), state: &state) == [.setPaused(true)])
        #expect(state.paused)
        #expect(update(state: &state, event: .snapshotUpdated(FleetSnapshot(endpoints: []))).isEmpty)
        #expect(state.snapshot.entries.count == 3, "a paused dashboard ignores new snapshots")
        #expect(press(.char("p"), state: &state) == [.setPaused(false)])
        #expect(!state.paused)
        #expect(press(.char("r"), state: &state) == [.refreshNow])
        let names = (0..<BuiltinThemes.names.count).map { _ -> String in
            let effects = press(.char("t"), state: &state)
            #expect(effects == [.switchTheme(state.theme)])
            return state.theme.name
        }
        #expect(names == Array(BuiltinThemes.names.dropFirst()) + ["default"])
    }

    @Test("a stray edit key inside the weight prompt is typed, not acted on")
    func modalSwallowsKeys() {
        var state = cannedState()
        openRouter(CannedFleets.fleetrouterID, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        press(.char("w"), state: &state)
        #expect(press(.char("d"), .char("q"), state: &state).isEmpty)
        #expect(state.modal != nil)
    }

    @Test("? opens help and any other key closes it")
    func help() {
        var state = cannedState()
        press(.char("?"), state: &state)
        #expect(state.modal == .help(offset: 0))
        press(.char("j"), state: &state)
        #expect(state.modal == .help(offset: 1))
        #expect(press(.char("q"), state: &state).isEmpty)
        #expect(state.modal == nil)
    }
}
