import FleetModel
import RouterWire
import TUICore

// Edit keys: pick the target, check --readonly and the router's capabilities, then confirm,
// prompt or send. Nothing is sent that the router cannot take.
extension DashboardReducer {
    static func handleEdit(_ binding: KeyBinding, state: inout DashboardState) -> [DashboardEffect] {
        if state.options.readOnly {
            state.post("read-only (--readonly): \(binding.label.lowercased()) is disabled, nothing was sent", isError: true)
            return []
        }
        if binding.action == .cheap { return cheap(state: &state) }
        guard let entry = state.currentRouter else { return [] }
        if state.screen.kind == .connections { return kickSession(on: entry, state: &state) }
        guard state.routerPane == .nodes, let node = state.selectedNodeRow else {
            state.post("select a node first (Tab moves to the node list)", isError: true)
            return []
        }
        if case .gone = node.presence {
            state.post("node \(node.name) has left \(entry.id); nothing to \(binding.label.lowercased())", isError: true)
            return []
        }
        let ref = NodeRef(node.id)
        switch binding.action {
        case .drain:
            let inFlight = node.inFlight.map { $0 > 0 ? " \($0) in-flight session(s) finish first." : "" } ?? ""
            return confirm(FleetEdit.drain(ref), on: entry, title: "Drain node",
                           question: "Drain \(ref) on \(entry.id) only? It gets no new sessions there.\(inFlight)", state: &state)
        case .undrain:
            guard let plan = plan(.undrain(ref), on: entry, state: &state) else { return [] }
            return send([plan], state: &state)
        case .kick:
            return confirm(FleetEdit.kick(ref), on: entry, title: "Kick node",
                           question: "Kick \(ref) from \(entry.id) only?", state: &state)
        case .weight:
            let availability = entry.capabilities(readOnly: false).availability(of: .setWeight(ref, 1))
            if case let .unavailable(reason) = availability {
                state.post("weight unavailable on \(entry.id): \(reason)", isError: true)
                return []
            }
            let prompt = WeightPrompt(router: entry.id, node: ref, current: node.operatorWeight ?? node.weight,
                                      temporaryReason: availability.reason)
            state.modal = .weightPrompt(prompt)
            return []
        case .drainEverywhere:
            return drainEverywhere(address: node.name, state: &state)
        default:
            return []
        }
    }

    /// `x` on the Connections screen: close the selected pty session (a forkpty router's
    /// sessions carry their child's pid; other sessions cannot be kicked).
    private static func kickSession(on entry: RouterEntry, state: inout DashboardState) -> [DashboardEffect] {
        let rows = state.sessionRows
        guard let index = state.sessionTable.selected, rows.indices.contains(index) else {
            state.post("select a session first", isError: true)
            return []
        }
        let session = rows[index].session
        guard let pid = session.pid else {
            state.post("only a forkpty router's pty sessions can be kicked; this one is a routed connection", isError: true)
            return []
        }
        let command = session.command.map { " running \($0)" } ?? ""
        return confirm(.kickSession(pid: pid), on: entry, title: "Kick session",
                       question: "Close the pty session of \(session.client) on \(entry.id)? Its child \(pid)\(command) is hung up.",
                       state: &state)
    }

    /// `c`: the router's cheap mode, cycled auto → on → off → auto, with confirmation.
    private static func cheap(state: inout DashboardState) -> [DashboardEffect] {
        guard let entry = state.targetRouter else {
            state.post("select a router first", isError: true)
            return []
        }
        let current = entry.latest?.cheapMode ?? .auto
        let cycle: [StatsDocument.CheapMode] = [.auto, .on, .off]
        let next = cycle[((cycle.firstIndex(of: current) ?? 0) + 1) % cycle.count]
        let effect: String
        switch next {
        case .on: effect = "It stops accepting new connections."
        case .off: effect = "It accepts connections whatever its nodes."
        case .auto: effect = "It accepts connections while it has nodes."
        }
        return confirm(.setCheap(next), on: entry, title: "Cheap mode",
                       question: "Cheap \(next.rawValue) for \(entry.id) only (now \(current.rawValue))? \(effect)", state: &state)
    }

    /// `D`: one drain per router (and key) listing the address, confirmed with the count of
    /// routers that can and cannot take it.
    private static func drainEverywhere(address: String, state: inout DashboardState) -> [DashboardEffect] {
        let plan = FleetEdit.expandDrainEverywhere(address: address, in: state.snapshot, readOnly: false)
        let usable = plan.filter(\.availability.isUsable)
        let canRouters = Set(usable.map(\.router))
        var cannot: [RouterID: String] = [:]
        for part in plan where !part.availability.isUsable && !canRouters.contains(part.router) {
            cannot[part.router] = part.availability.reason ?? "unavailable"
        }
        guard !usable.isEmpty else {
            let why = cannot.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            state.post("drain \(address) everywhere: no router can take it (\(why.isEmpty ? "no router lists it" : why))",
                       isError: true)
            return []
        }
        var message = "Drain \(address) on every router that lists it?\n"
        if usable.contains(where: { $0.reach == .everyRouterOfProcess }) {
            message += "Process-wide: each fleetrouter process drains it on all its routers (?router=*).\n"
        }
        message += "\(canRouters.count) router(s) can take it (\(usable.count) edit(s)): "
        message += canRouters.sorted().map(\.name).joined(separator: ", ")
        if !cannot.isEmpty {
            message += "\n\(cannot.count) router(s) cannot: "
            message += cannot.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
        }
        state.modal = .confirm(ConfirmRequest(title: "Drain everywhere", message: message, plan: plan))
        return []
    }

    /// Opens a confirmation for `edit`, or explains why the router cannot take it.
    private static func confirm(_ edit: FleetEdit, on entry: RouterEntry, title: String, question: String,
                                state: inout DashboardState) -> [DashboardEffect] {
        guard let plan = plan(edit, on: entry, state: &state) else { return [] }
        var message = question
        if case let .temporary(reason) = plan.availability { message += "\nTemporary: \(reason)." }
        state.modal = .confirm(ConfirmRequest(title: title, message: message, plan: [plan]))
        return []
    }

    /// The planned edit, or nil (and the reason in the status line) when the router cannot take it.
    static func plan(_ edit: FleetEdit, on entry: RouterEntry, state: inout DashboardState) -> PlannedEdit? {
        let availability = entry.capabilities(readOnly: state.options.readOnly).availability(of: edit)
        if case let .unavailable(reason) = availability {
            state.post("\(edit) unavailable on \(entry.id): \(reason)", isError: true)
            return nil
        }
        if let problem = edit.validationError {
            state.post("\(edit): \(problem)", isError: true)
            return nil
        }
        return PlannedEdit(router: entry.id, edit: edit, availability: availability)
    }

    /// Sends the usable parts of a plan: one `apply` effect each, logged as waiting. When one
    /// would carry a router's token to an admin address learned from its stats that the
    /// operator has not confirmed, asks about that address first and sends nothing yet.
    static func send(_ plan: [PlannedEdit], state: inout DashboardState) -> [DashboardEffect] {
        let usable = plan.filter(\.availability.isUsable)
        if let learned = unconfirmedAdminAddress(for: usable, state: state) {
            state.modal = .confirm(ConfirmRequest(trusting: learned, plan: plan))
            return []
        }
        for part in usable { state.actionLog.sent(part, at: state.now) }
        if usable.count == 1, let part = usable.first {
            state.post("sent \(part.edit) to \(part.router)")
        } else {
            state.post("sent \(usable.count) edits to \(Set(usable.map(\.router)).count) router(s)")
        }
        return usable.map(DashboardEffect.apply)
    }

    /// The first admin address, learned from a router's stats rather than configured, that
    /// `parts` would send a token to and the operator has not confirmed.
    private static func unconfirmedAdminAddress(for parts: [PlannedEdit], state: DashboardState) -> LearnedAdminAddress? {
        for part in parts {
            guard let entry = state.snapshot[part.router], let document = entry.latest,
                  let address = entry.endpoint.learnedAdminAddress(in: document) else { continue }
            let learned = LearnedAdminAddress(router: part.router, address: address)
            if !state.trustedAdminAddresses.contains(learned) { return learned }
        }
        return nil
    }
}
