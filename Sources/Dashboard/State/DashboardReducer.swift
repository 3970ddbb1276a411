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
        case .groupBy:
            cycleGrouping(state: &state)
        case .keyView:
            openKeyView(state: &state)
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
            body(&state.fleetTable, state.fleetLines.count)
        case .keys:
            body(&state.fleetKeyTable, state.fleetKeyRows.count)
        case .key:
            body(&state.keyNodeTable, state.keyNodeRows.count)
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
        case .keys, .key: return max(1, layout.keyViewRows)
        }
    }

    private static func drillIn(state: inout DashboardState) {
        switch state.screen {
        case .fleet:
            switch state.selectedFleetLine {
            case let .group(group)?:
                // A header folds or unfolds its group; the selection stays on it.
                state.keepSelection { state in
                    if state.collapsedGroups.remove(group.name) == nil { state.collapsedGroups.insert(group.name) }
                }
                state.post("\(group.title): \(state.collapsedGroups.contains(group.name) ? "folded" : "unfolded")")
            case let .router(row)?:
                openRouter(row.id, state: &state)
            case nil:
                break
            }
        case .keys:
            guard let row = state.selectedFleetKey else { return }
            state.push(.key(row.key))
            state.keyNodeTable = TableState(selected: 0)
            state.keyNodeFilter = TextFilter("")
            state.clampSelections()
        case let .key(key):
            guard let row = state.selectedKeyNodeRow else { return }
            openRouter(row.router, state: &state)
            // The Router screen opens on this key and node.
            if let index = state.keyRows.firstIndex(where: { $0.key == key }) { state.keyTable.selected = index }
            if let node = row.node?.id, let index = state.nodeRows.firstIndex(where: { $0.id == node }) {
                state.nodeTable.selected = index
            }
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


    /// Opens the Router screen of `router` with fresh selections.
    private static func openRouter(_ router: RouterID, state: inout DashboardState) {
        state.push(.router(router))
        state.routerPane = .nodes
        state.keyTable = TableState(selected: 0)
        state.nodeTable = TableState(selected: 0)
        state.nodeFilter = TextFilter("")
        state.clampSelections()
    }

    /// Cycles the Fleet screen's grouping, keeping the selected router selected.
    private static func cycleGrouping(state: inout DashboardState) {
        state.keepSelection { state in
            state.fleetGrouping = state.fleetGrouping.next
            state.collapsedGroups = []
        }
        switch state.fleetGrouping {
        case .none: state.post("routers not grouped")
        case .host: state.post("routers grouped by host (Enter on a header folds it; b groups by key)")
        case .key: state.post("routers grouped by key: a router is listed under each key it serves (b ungroups)")
        }
    }

    /// Opens the fleet-wide key view.
    private static func openKeyView(state: inout DashboardState) {
        state.push(.keys)
        state.fleetKeyTable = TableState(selected: 0)
        state.clampSelections()
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
            case .keys:
                state.fleetKeySort = next(state.fleetKeySort)
                message = "keys " + describe(state.fleetKeySort)
            case .key:
                state.keyNodeSort = next(state.keyNodeSort)
                message = describe(state.keyNodeSort)
            }
        }
        state.post(message)
    }
}
