import Dashboard
import FleetModel
import FleetModelTesting
import RouterWire
import TUICore
import TUICoreTesting
import Testing
import ThreadTesting

@Suite("Admin address learned from stats: the token goes there only after the operator confirms it", .ownThread)
struct AdminAddressConfirmationTests {
    static let router = CannedFleets.fleetrouterID
    static let other: RouterID = "edge-http-2"
    /// The canned fleetrouter document names this admin API.
    static let learned = StatsAddress.tcp(host: "127.0.0.1", port: 9292)
    static let app3031 = NodeRef(key: "app.example.com", address: "127.0.0.1:3031")
    static let app3032 = NodeRef(key: "app.example.com", address: "127.0.0.1:3032")
    static let question = "Send the admin token to 127.0.0.1:9292, learned from edge-http's stats? It can then make edits there."

    /// The canned fleetrouter with a token file and, unless `admin` is given, no admin address
    /// of its own (so edits use the one its stats name); with `second`, another such router
    /// listing the same node.
    static func state(admin: StatsAddress? = nil, tokenFile: String? = "/run/fleet/edge.token",
                      document: StatsDocument = CannedFleets.fleetrouterHTTP(), second: Bool = false) -> DashboardState {
        var endpoints = [RouterEndpoint(name: router.name, stats: .tcp(host: "127.0.0.1", port: 9191), admin: admin, tokenFile: tokenFile)]
        if second {
            endpoints.append(RouterEndpoint(name: other.name, stats: .tcp(host: "127.0.0.1", port: 9195), tokenFile: tokenFile))
        }
        var snapshot = FleetSnapshot(endpoints: endpoints)
        let at = FleetInstant(secondsSinceEpoch: CannedFleets.epoch)
        for endpoint in endpoints { snapshot.recordSuccess(document, for: endpoint.id, at: at) }
        var state = cannedState(width: 120, height: 40, snapshot: snapshot)
        openRouter(router, state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3031", state: &state)
        return state
    }

    /// Presses `d` then `y` (the drain's own confirmation) and returns the question that follows.
    static func drainAndAsk(_ state: inout DashboardState) -> ConfirmRequest? {
        #expect(press(.char("d"), .char("y"), state: &state).isEmpty, "nothing is sent before the address is confirmed")
        guard case let .confirm(request)? = state.modal, request.learnedAdmin != nil else {
            Issue.record("no admin-address question; modal: \(String(describing: state.modal)), status: \(String(describing: state.status))")
            return nil
        }
        return request
    }

    @Test("after the drain is confirmed, the dashboard asks about the learned address, on No")
    func asksOnNo() throws {
        var state = Self.state()
        let request = try #require(Self.drainAndAsk(&state))
        #expect(request.learnedAdmin == LearnedAdminAddress(router: Self.router, address: Self.learned))
        #expect(request.message == Self.question)
        #expect(request.selectedButton == ConfirmRequest.noButton)
        #expect(request.plan.map(\.edit) == [.drain(Self.app3031)])
        #expect(state.actionLog.entries.isEmpty)
        let screen = draw(state).text
        #expect(screen.contains("Send the admin token to 127.0.0.1:9292"), "\(screen)")
    }

    @Test("Enter on No, n and Esc decline: nothing is sent, nothing trusted, the status line says so",
          arguments: [Key.enter, .char("n"), .escape])
    func declining(key: Key) throws {
        var state = Self.state()
        _ = try #require(Self.drainAndAsk(&state))
        #expect(press(key, state: &state).isEmpty)
        #expect(state.modal == nil)
        #expect(state.trustedAdminAddresses.isEmpty)
        #expect(state.actionLog.entries.isEmpty)
        #expect(state.status?.text == "cancelled: the admin token was not sent to 127.0.0.1:9292, learned from edge-http's stats; nothing was sent")
    }

    @Test("y trusts the address, then sends the edit (trust first, so the edit carries the token)")
    func yConfirms() throws {
        var state = Self.state()
        _ = try #require(Self.drainAndAsk(&state))
        let effects = press(.char("y"), state: &state)
        #expect(effects == [
            .trustAdminAddress(Self.learned, router: Self.router),
            .apply(PlannedEdit(router: Self.router, edit: .drain(Self.app3031), availability: .available)),
        ])
        #expect(state.modal == nil)
        #expect(state.trustedAdminAddresses == [LearnedAdminAddress(router: Self.router, address: Self.learned)])
        #expect(state.actionLog.entries.count == 1)
        #expect(state.status?.text.hasPrefix("sent drain") == true, "\(String(describing: state.status))")
    }

    @Test("moving the focus to Yes and pressing Enter confirms")
    func enterOnYesConfirms() throws {
        var state = Self.state()
        _ = try #require(Self.drainAndAsk(&state))
        #expect(press(.tab, state: &state).isEmpty)
        guard case let .confirm(request)? = state.modal else {
            Issue.record("Tab closed the question")
            return
        }
        #expect(request.yesFocused)
        let effects = press(.enter, state: &state)
        #expect(effects.first == .trustAdminAddress(Self.learned, router: Self.router))
        #expect(effects.compactMap(\.appliedEdit?.edit) == [.drain(Self.app3031)])
    }

    @Test("stray keys leave the question open on No and send nothing")
    func strayKeys() throws {
        var state = Self.state()
        _ = try #require(Self.drainAndAsk(&state))
        #expect(press(.char("d"), .char("u"), .char("1"), .up, .pageDown, state: &state).isEmpty)
        guard case let .confirm(request)? = state.modal else {
            Issue.record("a stray key closed the question")
            return
        }
        #expect(request.learnedAdmin != nil)
        #expect(request.selectedButton == ConfirmRequest.noButton)
    }

    @Test("an edit without its own confirmation (undrain) is asked about too")
    func undrainAsks() throws {
        var state = Self.state()
        selectNode(key: "app.example.com", address: "127.0.0.1:3032", state: &state)
        #expect(press(.char("u"), state: &state).isEmpty)
        guard case let .confirm(request)? = state.modal else {
            Issue.record("no question; status: \(String(describing: state.status))")
            return
        }
        #expect(request.learnedAdmin?.address == Self.learned)
        #expect(request.selectedButton == ConfirmRequest.noButton, "No even though undrain restores traffic")
        #expect(press(.char("y"), state: &state).compactMap(\.appliedEdit?.edit) == [.undrain(Self.app3032)])
    }

    @Test("once confirmed, later edits to the same address are not asked about")
    func confirmedOnce() throws {
        var state = Self.state()
        _ = try #require(Self.drainAndAsk(&state))
        press(.char("y"), state: &state)
        selectNode(key: "app.example.com", address: "127.0.0.1:3032", state: &state)
        #expect(press(.char("u"), state: &state) == [
            .apply(PlannedEdit(router: Self.router, edit: .undrain(Self.app3032), availability: .available)),
        ])
        #expect(state.modal == nil)
    }

    @Test("when the router's stats name a different admin address, it is asked about again")
    func changedAddressAsksAgain() throws {
        var state = Self.state()
        _ = try #require(Self.drainAndAsk(&state))
        press(.char("y"), state: &state)
        var moved = CannedFleets.fleetrouterHTTP()
        moved.admin = "127.0.0.1:9393"
        state.snapshot.recordSuccess(moved, for: Self.router, at: FleetInstant(secondsSinceEpoch: CannedFleets.epoch + 1))
        selectNode(key: "app.example.com", address: "127.0.0.1:3032", state: &state)
        #expect(press(.char("u"), state: &state).isEmpty)
        guard case let .confirm(request)? = state.modal else {
            Issue.record("the new address was not asked about")
            return
        }
        #expect(request.learnedAdmin == LearnedAdminAddress(router: Self.router, address: .tcp(host: "127.0.0.1", port: 9393)))
    }

    @Test("no question when the admin address is configured or no token would be sent", arguments: [
        (StatsAddress?.some(.tcp(host: "127.0.0.1", port: 9292)), String?.some("/run/fleet/edge.token")),
        (nil, nil),
    ])
    func noQuestion(admin: StatsAddress?, tokenFile: String?) {
        var state = Self.state(admin: admin, tokenFile: tokenFile)
        #expect(press(.char("d"), state: &state).isEmpty)
        #expect(press(.char("y"), state: &state).compactMap(\.appliedEdit?.edit) == [.drain(Self.app3031)])
        #expect(state.modal == nil)
        #expect(state.trustedAdminAddresses.isEmpty)
    }

    @Test("a fleet-wide drain asks once per router whose address was learned, then sends every part")
    func drainEverywhereAsksPerRouter() throws {
        var state = Self.state(second: true)
        #expect(press(.char("D"), .char("y"), state: &state).isEmpty)
        guard case let .confirm(first)? = state.modal else {
            Issue.record("no question for the first router")
            return
        }
        #expect(first.learnedAdmin?.router == Self.router)
        #expect(press(.char("y"), state: &state) == [.trustAdminAddress(Self.learned, router: Self.router)])
        guard case let .confirm(second)? = state.modal else {
            Issue.record("no question for the second router")
            return
        }
        #expect(second.learnedAdmin?.router == Self.other)
        #expect(second.selectedButton == ConfirmRequest.noButton)
        let effects = press(.char("y"), state: &state)
        #expect(effects.first == .trustAdminAddress(Self.learned, router: Self.other))
        #expect(effects.compactMap(\.appliedEdit?.router) == [Self.router, Self.other])
    }
}
