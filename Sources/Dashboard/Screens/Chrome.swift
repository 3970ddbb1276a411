import FleetModel
import RouterWire
import TUICore

/// The lines around every screen: the header, the status line (or filter line), the function
/// bar and the action-log panel.
enum Chrome {
    /// ` fleettop  Fleet › edge-http │ 3 routers: 2 ok, 1 down │ 9 nodes │ 42 req/s   PAUSED 12:00:01`
    static func header(_ state: DashboardState, area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        buffer.fill(area, style: .themed(.header))
        let glyphs = Glyphs.forState(state)
        var crumbs = ["Fleet"]
        for screen in state.screens.dropFirst() {
            switch screen {
            case .fleet: break
            case .keys: crumbs.append("Keys")
            case let .key(key): crumbs.append(key)
            case let .router(id): crumbs.append(id.name)
            case .connections: crumbs.append("connections")
            }
        }
        let totals = state.fleetTotals
        var health = "\(totals.routers) routers: \(totals.ok) ok"
        if totals.stale > 0 { health += ", \(totals.stale) stale" }
        if totals.down > 0 { health += ", \(totals.down) down" }
        if totals.gone > 0 { health += ", \(totals.gone) gone" }
        if let intents = state.snapshot.intents, !intents.isEmpty { health += ", \(intents.count) fleet intent\(intents.count == 1 ? "" : "s") (I)" }
        let nodes = totals.nodes
        let requests = totals.requestsPerSecond
        let left = " fleettop  " + crumbs.joined(separator: " \(glyphs.separator) ")
            + "  │ \(health) │ \(nodes) nodes │ \(Format.rate(requests)) req/s"
        let clock = Format.clock(state.now, utcOffset: state.options.utcOffset) + " "
        var right = clock
        if state.options.readOnly { right = "READ-ONLY " + right }
        let rightWidth = DisplayWidth.of(right) + (state.paused ? 8 : 0)
        buffer.set(line: left, in: Rect(x: area.x, y: area.y, width: max(0, area.width - rightWidth - 1), height: 1),
                   style: .themed(.header))
        var x = area.maxX - rightWidth
        if state.paused {
            x = buffer.set(string: " PAUSED ", at: Point(x: x, y: area.y), style: .themed(.paused), clip: area)
        }
        buffer.set(string: right, at: Point(x: x, y: area.y), style: .themed(.header), clip: area)
    }

    /// The status line: the filter being typed, the latest message, the first unhealthy
    /// router, or a hint. Returns the cursor position while the filter is edited.
    static func status(_ state: DashboardState, area: Rect, buffer: inout Buffer) -> Point? {
        guard !area.isEmpty else { return nil }
        if case let .filter(input) = state.modal {
            buffer.fill(area, style: .themed(.input))
            let label = "Filter: "
            let x = buffer.set(string: label, at: Point(x: area.x, y: area.y), style: .themed(.input), clip: area)
            let hint = "  Enter keep · Esc clear"
            let fieldWidth = max(1, area.maxX - x - DisplayWidth.of(hint))
            let cursor = input.render(in: Rect(x: x, y: area.y, width: fieldWidth, height: 1), buffer: &buffer, style: .themed(.input))
            buffer.set(string: hint, at: Point(x: x + fieldWidth, y: area.y), style: .themed(.input), clip: area)
            return cursor
        }
        var right: [String] = []
        if state.actionLog.pendingCount > 0 { right.append("\(state.actionLog.pendingCount) edit(s) waiting") }
        if !state.currentFilter.isEmpty { right.append("filter: \(state.currentFilter.text)") }
        let (text, isError) = statusText(state)
        StatusLine(text, right: right.joined(separator: " · "),
                   style: .themed(isError ? .statusError : .statusInfo)).render(in: area, buffer: &buffer)
        return nil
    }

    static func statusText(_ state: DashboardState) -> (String, Bool) {
        if let status = state.status, status.isError || state.now - status.at < StatusMessage.lifetime {
            return (status.text, status.isError)
        }
        // The first unhealthy router in configuration order, and how many there are, found once
        // per snapshot (a scan of every router); the message is built for that one only.
        let troubled = state.rowCache.cache.troubled(version: state.snapshot.version) {
            var found = RowCache.Troubled(first: nil, count: 0)
            state.snapshot.forEachTroubled { id, status in
                found.count += 1
                if found.first == nil { found.first = (id, status) }
            }
            return found
        }
        // The selected (or open) router's own trouble comes first: the Fleet table's Health
        // column shows a word, and its detail is read here.
        var subject = troubled.first
        let selected = state.screen.kind == .fleet ? state.selectedFleetRow.map { ($0.id, $0.status) }
            : state.currentRouter.map { ($0.id, $0.status) }
        if let (id, status) = selected, Self.isTroubled(status) { subject = (id, status) }
        if let (id, status) = subject {
            var first = "router \(id)"
            switch status {
            case let .unreachable(error): first += " unreachable: \(error)"
            case let .stale(since, error): first += " stale for \(Format.age(state.now - since))" + (error.map { ": \($0)" } ?? "")
            default: break
            }
            return (first + (troubled.count > 1 ? " (+\(troubled.count - 1) more)" : ""), true)
        }
        return (state.paused ? "paused: p resumes, r polls once" : "? help · Enter open · Esc back · q quit", false)
    }

    private static func isTroubled(_ status: RouterStatus) -> Bool {
        switch status {
        case .unreachable, .stale: return true
        case .ok, .neverPolled, .gone: return false
        }
    }

    /// The function bar from the keymap; edits the current selection cannot take are greyed.
    static func functionBar(_ state: DashboardState, area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        var bindings = state.keymap.functionBar(for: state.screen.kind)
        func width(_ list: [KeyBinding]) -> Int {
            list.reduce(0) { $0 + DisplayWidth.of($1.barKey) + max(6, DisplayWidth.of($1.label) + 1) }
        }
        // Letter-key entries come last and go first, so F10 Quit always shows.
        while width(bindings) > area.width, let last = bindings.lastIndex(where: { $0.functionNumber == nil }) {
            bindings.remove(at: last)
        }
        let items = bindings.map { binding in
            FunctionBar.Item(key: binding.barKey, label: binding.label + " ",
                             isEnabled: !binding.edits || editEnabled(binding.action, state: state))
        }
        FunctionBar(items, keyStyle: .themed(.functionKey), labelStyle: .themed(.functionLabel),
                    disabledStyle: Style.themed(.functionLabel).adding(.dim)).render(in: area, buffer: &buffer)
    }

    /// Whether an edit key would do something for the current selection.
    static func editEnabled(_ action: DashboardAction, state: DashboardState) -> Bool {
        if state.options.readOnly { return false }
        guard let entry = state.targetRouter else { return false }
        let capabilities = entry.capabilities(readOnly: false)
        let node = state.selectedNodeRow.map { NodeRef($0.id) } ?? NodeRef(address: "-")
        let edit: FleetEdit
        switch action {
        case .drain, .drainEverywhere: edit = .drain(node)
        case .undrain: edit = .undrain(node)
        case .kick: edit = .kick(node)
        case .weight: edit = .setWeight(node, 1)
        case .cheap: edit = .setCheap(.auto)
        default: return true
        }
        return capabilities.availability(of: edit).isUsable
    }

    /// The action log panel: a title rule and the newest entries.
    static func actionLog(_ state: DashboardState, area: Rect, buffer: inout Buffer) {
        guard !area.isEmpty else { return }
        let rule = state.options.ascii ? "-" : "─"
        let title = "\(rule) Action log (l hides) "
        buffer.set(line: title + String(repeating: rule, count: max(0, area.width - DisplayWidth.of(title))),
                   in: area.row(0), style: .themed(.border))
        let entries = state.actionLog.entries.suffix(area.height - 1)
        if entries.isEmpty {
            buffer.set(line: "no edits yet", in: area.row(1), style: .themed(.dimmed))
            return
        }
        for (offset, entry) in entries.enumerated() {
            let time = Format.clock(entry.finishedAt ?? entry.sentAt, utcOffset: state.options.utcOffset)
            let outcome = entry.outcome.map(\.description) ?? "waiting…"
            let role: ThemeRole = entry.outcome.map { $0.isApplied ? .logApplied : .logFailed } ?? .dimmed
            buffer.set(line: "\(time)  \(entry.plan.router)  \(entry.plan.edit)  → \(outcome)",
                       in: area.row(offset + 1), style: .themed(role))
        }
    }
}
