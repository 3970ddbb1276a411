import FleetModel
import TUICore

// The rows each table shows, derived from the snapshot with the screen's filter and sort, so the
// reducer (selection, targets) and the screens (drawing) always agree on what row N is.
extension DashboardState {
    /// The Fleet table's rows, filtered and sorted: those the poller worked out with the
    /// snapshot when it was told this sort and filter (`snapshotPreparation`), else derived here.
    public var fleetRows: [RouterRow] {
        rowCache.cache.fleetRows(fleetRowsKey) {
            if let rows = snapshot.preparedFleetRows(sort: fleetSort, filter: fleetFilter, at: now) { return rows }
            return rowCache.cache.sortFleet(fleetFilter.apply(to: snapshot.routerRows(at: now)), by: fleetSort)
        }
    }

    /// What the Fleet table shows of the snapshot: sort, filter, grouping and folded groups.
    public var fleetView: FleetView {
        FleetView(sort: fleetSort, filter: fleetFilter, grouping: fleetGrouping, collapsed: collapsedGroups)
    }

    /// What the poller should work out with each snapshot for what this state shows: the
    /// Fleet rows and lines of `fleetView` always (the Fleet table keeps its selection under
    /// every screen), the key aggregates while `showsKeyAggregates`, and the drill-down of
    /// `keyNodesView` while a key's is open.
    public var snapshotPreparation: SnapshotPreparation {
        SnapshotPreparation(keyAggregates: showsKeyAggregates, fleetView: fleetView, keyNodes: keyNodesView)
    }

    /// What the drill-down of the key being drilled into shows, if any.
    public var keyNodesView: KeyNodesView? {
        drilledKey.map { KeyNodesView(key: $0, sort: keyNodeSort, filter: keyNodeFilter) }
    }

    /// The measures of `fleetRows`, in one array, when the poller worked them out with them.
    var preparedFleetRowMeasures: [RouterRowMeasures]? {
        snapshot.preparedFleetRowMeasures(sort: fleetSort, filter: fleetFilter, at: now)
    }

    /// What the Fleet rows are derived from.
    var fleetRowsKey: RowCache.FleetKey {
        RowCache.FleetKey(version: snapshot.version, expiredNodes: snapshot.expiredNodeCount(at: now),
                          sort: fleetSort, filter: fleetFilter)
    }

    /// The header's totals over the whole fleet.
    public var fleetTotals: FleetTotals {
        rowCache.cache.totals(version: snapshot.version) { snapshot.totals }
    }

    /// The Fleet table's lines: the rows, under group headers when `fleetGrouping` says so.
    public var fleetLines: [FleetLine] {
        let key = fleetLinesKey
        return rowCache.cache.fleetLines(key) {
            snapshot.preparedFleetLines(for: fleetView, at: now) ?? fleetGrouping.lines(for: fleetRows, collapsed: key.collapsed)
        }
    }

    /// What the Fleet lines are derived from.
    var fleetLinesKey: RowCache.LinesKey {
        // Folded groups of another grouping do not matter (and are cleared when it changes).
        RowCache.LinesKey(fleet: fleetRowsKey, grouping: fleetGrouping,
                          collapsed: fleetGrouping == .none ? [] : collapsedGroups)
    }

    /// The selected line of the Fleet screen (a router or a group header).
    public var selectedFleetLine: FleetLine? {
        let lines = fleetLines
        return fleetTable.selected.flatMap { lines.indices.contains($0) ? lines[$0] : nil }
    }

    /// The selected router on the Fleet screen (nil on a group header).
    public var selectedFleetRow: RouterRow? { selectedFleetLine?.router }

    /// Every key's aggregate over the Fleet rows (they follow the Fleet filter), in key order;
    /// worked out only while the key view is open.
    ///
    /// Without a Fleet filter they are the snapshot's, which the poller works out before
    /// delivering it (`FleetSnapshot.prepareKeyAggregates()`), so a poll costs this thread
    /// only uWSGI's expiry; with one, they are added up over the rows it shows.
    public var fleetKeyAggregates: [KeyAggregate] {
        guard showsKeyAggregates else { return [] }
        return rowCache.cache.keyAggregates(fleetRowsKey) {
            fleetFilter.isEmpty ? snapshot.keyAggregates(at: now) : KeyAggregate.aggregate(fleetRows)
        }
    }

    /// Whether a screen on the stack shows the fleet-wide key aggregates (the key view or a
    /// key's drill-down): the poller works them out with each snapshot only then.
    public var showsKeyAggregates: Bool {
        screens.contains(.keys) || drilledKey != nil
    }

    /// The key view's rows, filtered and sorted.
    public var fleetKeyRows: [KeyAggregate] {
        guard showsKeyAggregates else { return [] }
        let key = RowCache.FleetKeysKey(fleet: fleetRowsKey, sort: fleetKeySort, filter: fleetKeyFilter)
        return rowCache.cache.fleetKeyRows(key) { fleetKeySort.apply(to: fleetKeyFilter.apply(to: fleetKeyAggregates)) }
    }

    /// The selected key of the key view.
    public var selectedFleetKey: KeyAggregate? {
        let rows = fleetKeyRows
        return fleetKeyTable.selected.flatMap { rows.indices.contains($0) ? rows[$0] : nil }
    }

    /// The aggregate of the key being drilled into (nil when no router shown lists it any more).
    public var drilledKeyAggregate: KeyAggregate? {
        guard let key = drilledKey else { return nil }
        return fleetKeyAggregates.first { $0.key == key }
    }

    /// The drill-down of the key being drilled into: each serving router's nodes, filtered and sorted.
    ///
    /// The poller works them out with the snapshot when told this view (`snapshotPreparation`);
    /// else they are derived here, again when the snapshot changes or time expires or revives
    /// one of their nodes, not at every tick. Their nodes' `lastAnnounceAge` is as of when they
    /// were worked out: the SEEN column reads `lastAnnounceAge(at: now)`.
    public var keyNodeRows: [KeyNodeRow] {
        guard let view = keyNodesView else { return [] }
        let key = RowCache.KeyNodesKey(fleet: fleetRowsKey, key: view.key, sort: view.sort, filter: view.filter)
        return rowCache.cache.keyNodeRows(key, at: now, tolerance: snapshot.configuration.subscriptionTolerance) {
            if let prepared = snapshot.preparedKeyNodeRows(for: view, fleetSort: fleetSort, fleetFilter: fleetFilter, at: now) {
                return prepared
            }
            let rows = snapshot.keyNodeRows(key: view.key, routers: fleetRows, at: now)
            return (view.sort.apply(to: view.filter.apply(to: rows)), KeyNodeRowsValidity(rows))
        }
    }

    /// The selected row of the key drill-down.
    public var selectedKeyNodeRow: KeyNodeRow? {
        let rows = keyNodeRows
        return keyNodeTable.selected.flatMap { rows.indices.contains($0) ? rows[$0] : nil }
    }

    /// The key list of the current router: its static nodes first (when it has any), then its
    /// subscription keys in `keySort` order.
    public var keyRows: [KeyListRow] {
        guard let key = routerRowsKey else { return [] }
        return rowCache.cache.keyRows(key) { buildKeyRows() }
    }

    private var routerRowsKey: RowCache.RouterKey? {
        guard let router = screen.router else { return nil }
        return RowCache.RouterKey(version: snapshot.version, now: now, router: router, keySort: keySort)
    }

    private func buildKeyRows() -> [KeyListRow] {
        guard let entry = currentRouter else { return [] }
        let tolerance = snapshot.configuration.subscriptionTolerance
        var rows: [KeyListRow] = []
        let statics = entry.nodeRows(at: now, tolerance: tolerance).filter(\.isStatic)
        if !statics.isEmpty {
            rows.append(KeyListRow(key: nil, hits: nil, hitsPerSecond: nil, nodeCount: statics.count,
                                   readyCount: statics.filter { $0.state == .ready }.count))
        }
        for slot in keySort.apply(to: entry.slotRows(at: now, tolerance: tolerance)) {
            rows.append(KeyListRow(key: slot.key, hits: slot.hits, hitsPerSecond: slot.hitsPerSecond,
                                   nodeCount: slot.nodeCount, readyCount: slot.readyCount))
        }
        return rows
    }

    /// The key selected in the key list.
    public var selectedKeyRow: KeyListRow? {
        let rows = keyRows
        return keyTable.selected.flatMap { rows.indices.contains($0) ? rows[$0] : nil }
    }

    /// The nodes of the selected key (or the static nodes), filtered and sorted.
    public var nodeRows: [NodeRow] {
        guard let router = routerRowsKey else { return [] }
        let selected = selectedKeyRow
        let key = RowCache.NodeKey(router: router, selectedKey: selected.map(\.key), nodeSort: nodeSort, nodeFilter: nodeFilter)
        return rowCache.cache.nodeRows(key) { buildNodeRows(selected: selected) }
    }

    private func buildNodeRows(selected: KeyListRow?) -> [NodeRow] {
        guard let entry = currentRouter, let selected else { return [] }
        let tolerance = snapshot.configuration.subscriptionTolerance
        let rows: [NodeRow]
        if let key = selected.key {
            rows = entry.nodeRows(key: key, at: now, tolerance: tolerance)
        } else {
            rows = entry.nodeRows(at: now, tolerance: tolerance).filter(\.isStatic)
        }
        return nodeSort.apply(to: nodeFilter.apply(to: rows))
    }

    /// The selected node on the Router screen.
    public var selectedNodeRow: NodeRow? {
        let rows = nodeRows
        return nodeTable.selected.flatMap { rows.indices.contains($0) ? rows[$0] : nil }
    }

    /// The Connections table's rows, filtered and sorted.
    public var sessionRows: [SessionRow] {
        guard let entry = currentRouter else { return [] }
        return sessionSort.apply(to: sessionFilter.apply(to: entry.sessionRows))
    }

    /// The router an edit on the current screen targets: the screen's router, or the selected
    /// row of the Fleet screen.
    public var targetRouter: RouterEntry? {
        if let entry = currentRouter { return entry }
        return selectedFleetRow.flatMap { snapshot[$0.id] }
    }

    /// Re-finds the selected router, key and node after the rows changed (new snapshot, new
    /// sort), so the selection follows the item rather than the row number.
    mutating func keepSelection(_ change: (inout DashboardState) -> Void) {
        let line = fleetTable.selected.flatMap { LineIdentity(at: $0, in: fleetLines) }
        let key = selectedKeyRow.map { $0.key }
        let node = selectedNodeRow?.id
        let fleetKey = selectedFleetKey?.key
        let keyNode = selectedKeyNodeRow?.id
        change(&self)
        if let line, let index = line.index(in: fleetLines) { fleetTable.selected = index }
        if let fleetKey, let index = fleetKeyRows.firstIndex(where: { $0.key == fleetKey }) { fleetKeyTable.selected = index }
        if let keyNode, let index = keyNodeRows.firstIndex(where: { $0.id == keyNode }) { keyNodeTable.selected = index }
        if let key, let index = keyRows.firstIndex(where: { $0.key == key }) { keyTable.selected = index }
        if let node, let index = nodeRows.firstIndex(where: { $0.id == node }) { nodeTable.selected = index }
        clampSelections()
    }

    /// Keeps every selection inside its table and every table's scroll so the selection shows.
    mutating func clampSelections() {
        let layout = DashboardLayout(state: self)
        fleetTable.fit(rowCount: fleetLines.count, visibleRows: layout.fleetRows)
        keyTable.fit(rowCount: keyRows.count, visibleRows: layout.keyRows)
        nodeTable.fit(rowCount: nodeRows.count, visibleRows: layout.nodeRows)
        sessionTable.fit(rowCount: sessionRows.count, visibleRows: layout.sessionRows)
        fleetKeyTable.fit(rowCount: fleetKeyRows.count, visibleRows: layout.keyViewRows)
        keyNodeTable.fit(rowCount: keyNodeRows.count, visibleRows: layout.keyViewRows)
    }
}

/// What a Fleet line is, for finding it again after the lines change: a group by name, or a
/// router under the group it was listed in (grouped by key, a router is listed once per key).
private enum LineIdentity: Hashable {
    case router(RouterID, group: String?)
    case group(String)

    /// The identity of line `index` of `lines`, nil past the end.
    init?(at index: Int, in lines: [FleetLine]) {
        guard lines.indices.contains(index) else { return nil }
        switch lines[index] {
        case let .group(group):
            self = .group(group.name)
        case let .router(row):
            // The nearest header above, if the lines are grouped.
            let header = lines[..<index].last { $0.group != nil }?.group?.name
            self = .router(row.id, group: header)
        }
    }

    /// Where the line is in `lines`: the same router under the same group, else the router
    /// anywhere, else (for a folded group) the group's header.
    func index(in lines: [FleetLine]) -> Int? {
        switch self {
        case let .group(name):
            return lines.firstIndex { $0.group?.name == name }
        case let .router(id, group):
            var current: String?
            var anywhere: Int?
            for (index, line) in lines.enumerated() {
                switch line {
                case let .group(header):
                    current = header.name
                case let .router(row) where row.id == id:
                    if current == group { return index }
                    if anywhere == nil { anywhere = index }
                case .router:
                    break
                }
            }
            if let anywhere { return anywhere }
            return group.flatMap { name in lines.firstIndex { $0.group?.name == name } }
        }
    }
}
