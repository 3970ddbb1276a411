/// What the Fleet table shows of a snapshot: its sort, filter, grouping and folded groups.
///
/// The dashboard derives its Fleet rows and lines from these; the poller, told the view,
/// works them out with each snapshot before delivering it (`SnapshotPreparation`).
public struct FleetView: Sendable, Hashable {
    /// The sort of the rows.
    public var sort: TableSort<RouterColumn>
    /// The filter of the rows.
    public var filter: TextFilter
    /// How the rows are grouped into lines; ungrouping forgets the folded groups, as `init` does.
    public var grouping: FleetGrouping {
        didSet { if grouping == .none { collapsed = [] } }
    }
    /// Groups folded under their header (always empty when not grouped).
    public private(set) var collapsed: Set<String>

    /// Creates a view; folded groups are ignored without a grouping.
    public init(sort: TableSort<RouterColumn> = TableSort(.name), filter: TextFilter = TextFilter(""),
                grouping: FleetGrouping = .none, collapsed: Set<String> = []) {
        self.sort = sort
        self.filter = filter
        self.grouping = grouping
        self.collapsed = grouping == .none ? [] : collapsed
    }

    /// The view's rows: `rows` filtered and sorted (`reusing` a previous order of this sort).
    func rows(_ rows: [RouterRow], reusing previous: SortedOrder<RouterColumn>?) -> (rows: [RouterRow], order: SortedOrder<RouterColumn>) {
        sort.apply(to: filter.apply(to: rows), reusing: previous)
    }
}

/// What a key's drill-down shows: the key, and the sort and filter of its rows.
public struct KeyNodesView: Sendable, Hashable {
    /// The subscription key.
    public var key: String
    /// The sort of the rows.
    public var sort: TableSort<KeyNodeColumn>
    /// The filter of the rows.
    public var filter: TextFilter

    /// Creates a view.
    public init(key: String, sort: TableSort<KeyNodeColumn> = TableSort(.router), filter: TextFilter = TextFilter("")) {
        self.key = key
        self.sort = sort
        self.filter = filter
    }
}

/// What the poller works out with each snapshot before delivering it, off the UI thread, for
/// what the dashboard shows (`FleetSnapshot.prepare(_:at:reusing:)`).
public struct SnapshotPreparation: Sendable, Hashable {
    /// Every key's aggregate (the key view and a key's drill-down show them).
    public var keyAggregates: Bool
    /// The Fleet table's rows and lines for this view; nil for none.
    public var fleetView: FleetView?
    /// A key's drill-down over the Fleet rows of `fleetView` (only with one); nil for none.
    public var keyNodes: KeyNodesView?

    /// Creates a preparation; the default prepares nothing.
    public init(keyAggregates: Bool = false, fleetView: FleetView? = nil, keyNodes: KeyNodesView? = nil) {
        self.keyAggregates = keyAggregates
        self.fleetView = fleetView
        self.keyNodes = keyNodes
    }
}

/// The Fleet table's rows and lines for one view as of one time, kept with the snapshot they
/// were worked out from (`FleetSnapshot.prepare(_:at:reusing:)`).
struct PreparedFleetLines: Sendable {
    /// The view they are for.
    var view: FleetView
    /// uWSGI nodes expired when they were worked out: the rows change with time only as this
    /// count grows, so rows read at another time with the same count are the same.
    var expiredNodes: Int
    /// The rows, filtered and sorted.
    var rows: [RouterRow]
    /// `rows[i].measures` at `measures[i]`, in one array: the table's column widths read every
    /// row's measures once per snapshot, and each row's sit in its own box.
    var measures: [RouterRowMeasures]
    /// The rows under their group headers.
    var lines: [FleetLine]
    /// A key's drill-down over `rows`, if asked for.
    var keyNodes: PreparedKeyNodes?
    /// The header's totals over the whole fleet (they do not depend on the view; kept here
    /// because every change to a router drops this).
    var totals: FleetTotals
}

/// A key's drill-down rows for one view as of one time, kept with the Fleet rows they are of.
struct PreparedKeyNodes: Sendable {
    /// The view they are for.
    var view: KeyNodesView
    /// When they read the same.
    var validity: KeyNodeRowsValidity
    /// The rows, filtered and sorted.
    var rows: [KeyNodeRow]
}
