import FleetModel
import RouterWire

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

    /// Sends the usable parts of a plan: one `apply` effect each, logged as waiting.
    static func send(_ plan: [PlannedEdit], state: inout DashboardState) -> [DashboardEffect] {
        let usable = plan.filter(\.availability.isUsable)
        for part in usable { state.actionLog.sent(part, at: state.now) }
        if usable.count == 1, let part = usable.first {
            state.post("sent \(part.edit) to \(part.router)")
        } else {
            state.post("sent \(usable.count) edits to \(Set(usable.map(\.router)).count) router(s)")
        }
        return usable.map(DashboardEffect.apply)
    }
}
