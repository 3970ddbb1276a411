import Dashboard
import FleetModel
import FleetModelTesting
import RouterWire
import TUICore
import TUICoreTesting
import Testing
import ThreadTesting

/// An edit key that opens a confirmation for an edit that stops or diverts traffic, and where.
struct StoppingEdit: Sendable, CustomTestStringConvertible {
    var key: Character
    var onRouterScreen: Bool
    var expected: [FleetEdit]
    var testDescription: String { "\(key) → \(expected.map(\.description).joined(separator: ", "))" }
}

@Suite("Confirmations: traffic-stopping edits need y or a deliberate move to Yes", .ownThread)
struct ConfirmationTests {
    static let app3031 = NodeRef(key: "app.example.com", address: "127.0.0.1:3031")

    /// Drain, kick, fleet-wide drain (two fleetrouters list the node) and cheap on.
    static let stopping: [StoppingEdit] = [
        StoppingEdit(key: "d", onRouterScreen: true, expected: [.drain(app3031)]),
        StoppingEdit(key: "x", onRouterScreen: true, expected: [.kick(app3031)]),
        StoppingEdit(key: "D", onRouterScreen: true, expected: [.drain(app3031), .drain(app3031)]),
        StoppingEdit(key: "c", onRouterScreen: false, expected: [.setCheap(.on)]),
    ]

    /// A state with the edit's target selected (the fleetrouter and its node 127.0.0.1:3031).
    static func state(for edit: StoppingEdit) -> DashboardState {
        var state = cannedState(width: 120, height: 40, snapshot: sharedNodeSnapshot())
        if edit.onRouterScreen {
            openRouter(CannedFleets.fleetrouterID, state: &state)
            selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        } else {
            state.fleetTable.selected = state.fleetRows.firstIndex { $0.id == CannedFleets.fleetrouterID }
        }
        return state
    }

    /// Presses the edit key and returns the dialog it opened.
    static func open(_ edit: StoppingEdit, state: inout DashboardState) -> ConfirmRequest? {
        #expect(press(.char(edit.key), state: &state).isEmpty, "opening the dialog sends nothing")
        guard case let .confirm(request)? = state.modal else {
            Issue.record("\(edit.key) opened no dialog; status: \(String(describing: state.status))")
            return nil
        }
        return request
    }

    @Test("the dialog opens on No; Enter cancels and sends nothing", arguments: stopping)
    func enterOnNoCancels(edit: StoppingEdit) throws {
        var state = Self.state(for: edit)
        let request = try #require(Self.open(edit, state: &state))
        #expect(request.stopsTraffic)
        #expect(request.selectedButton == ConfirmRequest.noButton)
        #expect(press(.enter, state: &state).isEmpty)
        #expect(state.modal == nil)
        #expect(state.actionLog.entries.isEmpty)
        #expect(state.status?.text.hasPrefix("cancelled") == true)
    }

    @Test("keys that are not y, Enter or a focus move leave the dialog open and send nothing", arguments: stopping)
    func strayKeysIgnored(edit: StoppingEdit) throws {
        var state = Self.state(for: edit)
        _ = try #require(Self.open(edit, state: &state))
        #expect(press(.char("d"), .char("c"), .char("x"), .char("1"), .up, .pageDown, state: &state).isEmpty)
        guard case let .confirm(request)? = state.modal else {
            Issue.record("a stray key closed the dialog")
            return
        }
        #expect(request.selectedButton == ConfirmRequest.noButton, "stray keys do not move the focus")
    }

    @Test("y sends the edit at once, whatever has the focus", arguments: stopping)
    func yConfirms(edit: StoppingEdit) throws {
        var state = Self.state(for: edit)
        _ = try #require(Self.open(edit, state: &state))
        let effects = press(.char("y"), state: &state)
        #expect(effects.compactMap(\.appliedEdit?.edit) == edit.expected)
        #expect(state.modal == nil)
    }

    @Test("Enter sends only after the focus moves to Yes (Tab, arrows); moving back makes it cancel again",
          arguments: stopping)
    func enterAfterFocusMove(edit: StoppingEdit) throws {
        for move in [Key.tab, .right, .left, .backTab] {
            var state = Self.state(for: edit)
            _ = try #require(Self.open(edit, state: &state))
            #expect(press(move, state: &state).isEmpty)
            guard case let .confirm(request)? = state.modal else {
                Issue.record("\(move) closed the dialog")
                return
            }
            #expect(request.selectedButton == ConfirmRequest.yesButton, "\(move) moves the focus to Yes")
            let effects = press(.enter, state: &state)
            #expect(effects.compactMap(\.appliedEdit?.edit) == edit.expected, "Enter on Yes after \(move)")
        }
        var state = Self.state(for: edit)
        _ = try #require(Self.open(edit, state: &state))
        #expect(press(.tab, .tab, .enter, state: &state).isEmpty, "Tab twice is back on No")
        #expect(state.actionLog.entries.isEmpty)
    }

    @Test("the dialog shows the keymap's keys, not 'y/Enter confirm', and draws No as the focused button")
    func dialogDrawing() throws {
        var state = Self.state(for: Self.stopping[0])
        _ = try #require(Self.open(Self.stopping[0], state: &state))
        let backend = draw(state)
        #expect(!backend.text.contains("y/Enter confirm"))
        #expect(backend.text.contains(Keymap.standard.hint(for: .confirm)))
        #expect(backend.text.contains("y confirm"))
        let y = try #require(row(containing: "[ No ]", in: backend))
        let no = try #require(column(of: "[ No ]", row: y, in: backend))
        let yes = try #require(column(of: "[ Yes ]", row: y, in: backend))
        #expect(backend.style(x: no + 2, y: y)?.role == ThemeRole.dialogButton.styleRole)
        #expect(backend.style(x: yes + 2, y: y)?.role != ThemeRole.dialogButton.styleRole)
    }

    @Test("restoring edits keep Yes focused: cheap on → off with Enter sends")
    func restoringDefaultsToYes() throws {
        var document = CannedFleets.fleetrouterHTTP()
        document.cheapMode = .on
        var snapshot = FleetSnapshot(endpoints: CannedFleets.endpoints)
        snapshot.recordSuccess(document, for: CannedFleets.fleetrouterID, at: FleetInstant(secondsSinceEpoch: CannedFleets.epoch))
        var state = cannedState(snapshot: snapshot)
        state.fleetTable.selected = state.fleetRows.firstIndex { $0.id == CannedFleets.fleetrouterID }
        press(.char("c"), state: &state)
        guard case let .confirm(request)? = state.modal else {
            Issue.record("no dialog; status: \(String(describing: state.status))")
            return
        }
        #expect(!request.stopsTraffic)
        #expect(request.selectedButton == ConfirmRequest.yesButton)
        #expect(press(.enter, state: &state).compactMap(\.appliedEdit?.edit) == [.setCheap(.off)])
    }

    @Test("which edits stop or divert traffic", arguments: [
        (FleetEdit.drain(app3031), true), (.kick(app3031), true), (.drainEverywhere(address: "127.0.0.1:3031"), true),
        (.setWeight(app3031, 0), true), (.setCheap(.on), true), (.removeStatic(address: "127.0.0.1:3031"), true),
        (.addStatic(address: "127.0.0.1:3031"), false),
        (.undrain(app3031), false), (.setWeight(app3031, 3), false), (.clearWeight(app3031), false),
        (.setCheap(.auto), false), (.setCheap(.off), false),
    ])
    func stopsTraffic(edit: FleetEdit, stops: Bool) {
        #expect(edit.stopsTraffic == stops)
        let request = ConfirmRequest(title: "t", message: "m",
                                     plan: [PlannedEdit(router: "r", edit: edit, availability: .available)])
        #expect(request.stopsTraffic == stops)
        #expect(request.selectedButton == (stops ? ConfirmRequest.noButton : ConfirmRequest.yesButton))
    }

    @Test("weight 0 is refused in the prompt, which points at drain instead")
    func weightZero() {
        var state = cannedState()
        openRouter(CannedFleets.fleetrouterID, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        press(.char("w"), state: &state)
        type("0", state: &state)
        #expect(press(.enter, state: &state).isEmpty)
        guard case let .weightPrompt(prompt)? = state.modal else {
            Issue.record("prompt closed after 0")
            return
        }
        #expect(prompt.error?.contains("drain it") == true)
    }

    @Test("every modal key comes from the keymap, and help lists it under its modal")
    func modalKeysInKeymap() throws {
        let keymap = Keymap.standard
        #expect(keymap.binding(for: .char("y"), in: .confirm)?.action == .confirm)
        #expect(keymap.binding(for: .enter, in: .confirm)?.action == .activate)
        #expect(keymap.binding(for: .escape, in: .confirm)?.action == .cancel)
        #expect(keymap.binding(for: .tab, in: .confirm)?.action == .switchButton)
        #expect(keymap.binding(for: .enter, in: .prompt)?.action == .accept)
        #expect(keymap.binding(for: .escape, in: .prompt)?.action == .cancel)
        #expect(keymap.binding(for: .char("j"), in: .help)?.action == .moveDown)
        #expect(keymap.binding(for: .char("y"), on: .router) == nil, "modal keys do nothing on a screen")
        #expect(keymap.functionBar(for: .router).allSatisfy { $0.modal == nil })

        // A keymap without `y` in dialogs: `y` then does nothing, which shows the reducer reads the table.
        var state = Self.state(for: Self.stopping[0])
        state.keymap = Keymap(keymap.bindings.filter { $0.action != .confirm })
        _ = try #require(Self.open(Self.stopping[0], state: &state))
        #expect(press(.char("y"), state: &state).isEmpty)
        #expect(state.modal != nil)

        var help = cannedState(width: 120, height: 40)
        press(.char("?"), state: &help)
        var text = ""
        for _ in 0..<10 {
            text += draw(help).text
            press(.pageDown, state: &help)
        }
        for modal in ModalKind.allCases {
            #expect(text.contains(modal.title), "help lacks the section \(modal.title)")
        }
        #expect(text.contains("press the focused button (No for traffic-stopping edits and learned admin addresses)"))
    }
}
