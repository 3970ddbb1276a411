import FleetModel
import TUICore

/// Applies one event to the state and returns the work the executable must do.
///
/// Pure: no I/O, no clock, no randomness; the same state and event always give the same result.
public func update(state: inout DashboardState, event: DashboardEvent) -> [DashboardEffect] {
    DashboardReducer.update(state: &state, event: event)
}

/// The dashboard's reducer (`update(state:event:)`), split by event kind.
public enum DashboardReducer {
    /// Applies one event to the state and returns the effects to perform.
    public static func update(state: inout DashboardState, event: DashboardEvent) -> [DashboardEffect] {
        switch event {
        case let .key(key):
            if state.modal != nil { return handleModalKey(key, state: &state) }
            return handleKey(key, state: &state)
        case let .resize(size):
            state.size = size
            state.clampSelections()
            return []
        case let .tick(now):
            state.keepSelection { state in
                state.now = now
                // While paused the data is deliberately frozen; ageing it would mark every router stale.
                if !state.paused { state.snapshot.refresh(at: now) }
            }
            return []
        case let .snapshotUpdated(snapshot):
            guard !state.paused || state.refreshRequested else { return [] }
            state.refreshRequested = false
            state.keepSelection { $0.snapshot = snapshot }
            if let router = state.screen.router, snapshot[router] == nil {
                while state.screen != .fleet { state.pop() }
                state.post("router \(router) is no longer in the fleet", isError: true)
            }
            return []
        case let .editFinished(plan, outcome):
            state.actionLog.finished(plan, outcome, at: state.now)
            state.post("\(plan.router): \(plan.edit): \(outcome)", isError: !outcome.isApplied)
            // Ask for a poll so the next frame shows the edit's effect (draining → drained).
            return outcome.isApplied && !state.paused ? [.refreshNow] : []
        }
    }

    static func handleKey(_ key: Key, state: inout DashboardState) -> [DashboardEffect] {
        guard let binding = state.keymap.binding(for: key, on: state.screen.kind) else { return [] }
        if binding.edits { return handleEdit(binding, state: &state) }
        switch binding.action {
        case .moveUp: move(state: &state) { $0.selectPrevious(rowCount: $1) }
        case .moveDown: move(state: &state) { $0.selectNext(rowCount: $1) }
        case .pageUp:
            let page = pageSize(state)
            move(state: &state) { $0.pageUp(rowCount: $1, pageSize: page) }
        case .pageDown:
            let page = pageSize(state)
            move(state: &state) { $0.pageDown(rowCount: $1, pageSize: page) }
        case .home: move(state: &state) { $0.selectFirst(rowCount: $1) }
        case .end: move(state: &state) { $0.selectLast(rowCount: $1) }
        case .drillIn: drillIn(state: &state)
        case .back:
            if !state.currentFilter.isEmpty {
                state.keepSelection { $0.currentFilter = TextFilter("") }
                state.post("filter cleared")
            } else {
                state.pop()
                state.clampSelections()
            }
        case .switchPane:
            state.routerPane = state.routerPane == .keys ? .nodes : .keys
        case .filter:
            state.modal = .filter(TextInput(state.currentFilter.text, maxLength: 64))
        case .sortReverse, .sortPrevious, .sortNext:
            changeSort(binding.action, state: &state)
        case .pause:
            state.paused.toggle()
            state.post(state.paused ? "paused: polling stopped (p resumes, r polls once)" : "resumed polling")
            return [.setPaused(state.paused)]
        case .refresh:
            state.refreshRequested = true
            state.post("polling every router now")
            return [.refreshNow]
        case .nextTheme:
            state.themeIndex = (state.themeIndex + 1) % state.themes.count
            state.post("theme: \(state.theme.name)")
            return [.switchTheme(state.theme)]
        case .toggleLog:
            state.logVisibility = state.showsLog ? .hidden : .shown
            state.clampSelections()
        case .help:
            state.modal = .help(offset: 0)
        case .intents:
            state.modal = .intents(offset: 0)
        case .quit:
            return [.quit]
        case .drain, .undrain, .weight, .kick, .cheap, .drainEverywhere:
            return []
        case .confirm, .cancel, .activate, .switchButton, .accept:
            // Bound only inside modals (handleModalKey).
            return []
        }
        return []
    }

    /// Moves the selection of the table that has it on the current screen.
    private static func move(state: inout DashboardState, _ body: (inout TableState, Int) -> Void) {
        switch state.screen.kind {
        case .fleet:
            body(&state.fleetTable, state.fleetRows.count)
        case .router where state.routerPane == .keys:
            let before = state.keyTable.selected
            body(&state.keyTable, state.keyRows.count)
            if state.keyTable.selected != before { state.nodeTable = TableState(selected: 0) }
        case .router:
            body(&state.nodeTable, state.nodeRows.count)
        case .connections:
            body(&state.sessionTable, state.sessionRows.count)
        }
        state.clampSelections()
    }

    /// Rows per page of the table that has the selection.
    static func pageSize(_ state: DashboardState) -> Int {
        let layout = DashboardLayout(state: state)
        switch state.screen.kind {
        case .fleet: return max(1, layout.fleetRows)
        case .router: return max(1, state.routerPane == .keys ? layout.keyRows : layout.nodeRows)
        case .connections: return max(1, layout.sessionRows)
        }
    }

    private static func drillIn(state: inout DashboardState) {
        switch state.screen {
        case .fleet:
            guard let row = state.selectedFleetRow else { return }
            state.push(.router(row.id))
            state.routerPane = .nodes
            state.keyTable = TableState(selected: 0)
            state.nodeTable = TableState(selected: 0)
            state.nodeFilter = TextFilter("")
            state.clampSelections()
        case let .router(id):
            if state.routerPane == .keys {
                state.routerPane = .nodes
                return
            }
            state.push(.connections(id))
            state.sessionTable = TableState(selected: 0)
            state.sessionFilter = TextFilter("")
            state.clampSelections()
        case .connections:
            break
        }
    }

    private static func changeSort(_ action: DashboardAction, state: inout DashboardState) {
        func next<C: FleetModel.TableColumn>(_ sort: TableSort<C>) -> TableSort<C> {
            switch action {
            case .sortReverse: return TableSort(sort.column, sort.direction.toggled)
            case .sortPrevious: return sort.shifted(by: -1)
            default: return sort.shifted(by: 1)
            }
        }
        func describe<C: FleetModel.TableColumn>(_ sort: TableSort<C>) -> String {
            "sorted by \(sort.column.title) \(sort.direction == .ascending ? "ascending" : "descending")"
        }
        var message = ""
        state.keepSelection { state in
            switch state.screen.kind {
            case .fleet:
                state.fleetSort = next(state.fleetSort)
                message = describe(state.fleetSort)
            case .router where state.routerPane == .keys:
                state.keySort = next(state.keySort)
                message = "keys " + describe(state.keySort)
            case .router:
                state.nodeSort = next(state.nodeSort)
                message = "nodes " + describe(state.nodeSort)
            case .connections:
                state.sessionSort = next(state.sessionSort)
                message = describe(state.sessionSort)
            }
        }
        state.post(message)
    }
}
