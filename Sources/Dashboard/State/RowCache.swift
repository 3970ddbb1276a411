import FleetModel
import Synchronization

/// The derived rows of the dashboard's tables, remembered per input: the Fleet table by
/// (snapshot version, expired nodes as of now, sort, filter), a key's drill-down by the same
/// and its key, sort and filter for as long as time expires none of its nodes, the Router
/// screen's lists by (snapshot version, now, router, sorts, selected key, filter). Reading the rows again with the same inputs (the
/// reducer keeping the selection, clamping, the screen drawing, the function bar) costs a
/// lookup instead of deriving, filtering and sorting 1,000 routers again.
///
/// Shared by copies of the state; the key names everything the rows depend on, so a copy
/// with other inputs simply misses. It takes no part in the state's equality.
final class RowCache: Sendable {
    struct FleetKey: Hashable {
        var version: UInt64
        // Stands for "now": rows change with time only as nodes expire.
        var expiredNodes: Int
        var sort: TableSort<RouterColumn>
        var filter: TextFilter
    }

    struct LinesKey: Hashable {
        var fleet: FleetKey
        var grouping: FleetGrouping
        var collapsed: Set<String>
    }

    struct FleetKeysKey: Hashable {
        var fleet: FleetKey
        var sort: TableSort<KeyAggregateColumn>
        var filter: TextFilter
    }

    // No "now": the rows are kept while time expires none of their nodes (`keyNodeRows`).
    struct KeyNodesKey: Hashable {
        var fleet: FleetKey
        var key: String
        var sort: TableSort<KeyNodeColumn>
        var filter: TextFilter
    }

    struct RouterKey: Hashable {
        var version: UInt64
        var now: FleetInstant
        var router: RouterID
        var keySort: TableSort<SlotColumn>
    }

    struct NodeKey: Hashable {
        var router: RouterKey
        // The selected key list row's key: nil without a selection, .some(nil) for static nodes.
        var selectedKey: String??
        var nodeSort: TableSort<NodeColumn>
        var nodeFilter: TextFilter
    }

    /// The unhealthy routers of a snapshot: the first in configuration order, and how many.
    struct Troubled: Sendable {
        var first: (id: RouterID, status: RouterStatus)?
        var count: Int
    }

    private struct Storage {
        var fleet: (key: FleetKey, rows: [RouterRow])?
        var fleetOrder: SortedOrder<RouterColumn>?
        var fleetWidths: (key: LinesKey, ascii: Bool, widths: FleetScreen.NaturalWidths)?
        var lines: (key: LinesKey, lines: [FleetLine])?
        var aggregates: (key: FleetKey, aggregates: [KeyAggregate])?
        var fleetKeys: (key: FleetKeysKey, rows: [KeyAggregate])?
        var keyNodes: (key: KeyNodesKey, validity: KeyNodeRowsValidity, rows: [KeyNodeRow])?
        var keys: (key: RouterKey, rows: [KeyListRow])?
        var nodes: (key: NodeKey, rows: [NodeRow])?
        var totals: (version: UInt64, totals: FleetTotals)?
        var troubled: (version: UInt64, troubled: Troubled)?
    }

    /// The Fleet table's formatted cells, per router.
    let fleetCells = FleetCellCache()

    private let storage = Mutex(Storage())
    private let counters = Mutex((fleetBuilds: 0, keyBuilds: 0, nodeBuilds: 0, troubledScans: 0, aggregations: 0,
                                  keyNodeBuilds: 0))

    /// Stores `entry` at `path` and lets the one it replaces go on the background queue. The
    /// rows of a new snapshot replace every router's rows and lines: freeing the old ones
    /// (10,000 of each) would cost the UI thread a large part of its frame.
    private func replace<Entry: Sendable>(_ path: WritableKeyPath<Storage, Entry>, with entry: Entry) {
        var entry = entry
        storage.withLock { swap(&$0[keyPath: path], &entry) }
        BackgroundRelease.release(entry)
    }

    /// The Fleet rows for `key`, built by `build` when not remembered.
    func fleetRows(_ key: FleetKey, build: () -> [RouterRow]) -> [RouterRow] {
        if let hit = storage.withLock({ $0.fleet?.key == key ? $0.fleet?.rows : nil }) { return hit }
        let rows = build()
        replace(\.fleet, with: (key, rows))
        counters.withLock { $0.fleetBuilds += 1 }
        return rows
    }

    /// `rows` sorted by `sort`, reusing the last Fleet sort's order when the rows' keys are
    /// the same (a name sort of a fleet whose names did not change: no comparisons per poll).
    func sortFleet(_ rows: [RouterRow], by sort: TableSort<RouterColumn>) -> [RouterRow] {
        let previous = storage.withLock { $0.fleetOrder }
        let (sorted, order) = sort.apply(to: rows, reusing: previous)
        replace(\.fleetOrder, with: order)
        return sorted
    }

    /// The Fleet table's natural column widths for the rows of `key`, measured by `build` when
    /// not remembered (once per poll, not per frame).
    func fleetWidths(_ key: LinesKey, ascii: Bool, build: () -> FleetScreen.NaturalWidths) -> FleetScreen.NaturalWidths {
        if let hit = storage.withLock({ stored in
            stored.fleetWidths.flatMap { $0.key == key && $0.ascii == ascii ? $0.widths : nil }
        }) { return hit }
        let widths = build()
        storage.withLock { $0.fleetWidths = (key, ascii, widths) }
        return widths
    }

    /// The Fleet table's lines (group headers and routers) for `key`, built by `build` when not remembered.
    func fleetLines(_ key: LinesKey, build: () -> [FleetLine]) -> [FleetLine] {
        if let hit = storage.withLock({ $0.lines?.key == key ? $0.lines?.lines : nil }) { return hit }
        let lines = build()
        replace(\.lines, with: (key, lines))
        return lines
    }

    /// Every key's aggregate over the Fleet rows of `key`, built by `build` when not remembered
    /// (once per poll, not per frame).
    func keyAggregates(_ key: FleetKey, build: () -> [KeyAggregate]) -> [KeyAggregate] {
        if let hit = storage.withLock({ $0.aggregates?.key == key ? $0.aggregates?.aggregates : nil }) { return hit }
        let aggregates = build()
        replace(\.aggregates, with: (key, aggregates))
        counters.withLock { $0.aggregations += 1 }
        return aggregates
    }

    /// The key view's rows (filtered, sorted) for `key`, built by `build` when not remembered.
    func fleetKeyRows(_ key: FleetKeysKey, build: () -> [KeyAggregate]) -> [KeyAggregate] {
        if let hit = storage.withLock({ $0.fleetKeys?.key == key ? $0.fleetKeys?.rows : nil }) { return hit }
        let rows = build()
        replace(\.fleetKeys, with: (key, rows))
        return rows
    }

    /// One key's drill-down rows for `key` as of `now`, built by `build` when not remembered.
    ///
    /// `build` gives the rows and the validity of all the key's rows, filtered out or not: the
    /// rows are kept while it holds, since only uWSGI's expiry changes them as time passes
    /// (the ages they show are read at drawing time).
    func keyNodeRows(_ key: KeyNodesKey, at now: FleetInstant, tolerance: Double,
                     build: () -> (rows: [KeyNodeRow], validity: KeyNodeRowsValidity)) -> [KeyNodeRow] {
        let hit = storage.withLock { storage -> [KeyNodeRow]? in
            guard let stored = storage.keyNodes, stored.key == key, stored.validity.holds(at: now, tolerance: tolerance) else {
                return nil
            }
            return stored.rows
        }
        if let hit { return hit }
        let (rows, validity) = build()
        replace(\.keyNodes, with: (key, validity, rows))
        counters.withLock { $0.keyNodeBuilds += 1 }
        return rows
    }

    /// The key list for `key`, built by `build` when not remembered.
    func keyRows(_ key: RouterKey, build: () -> [KeyListRow]) -> [KeyListRow] {
        if let hit = storage.withLock({ $0.keys?.key == key ? $0.keys?.rows : nil }) { return hit }
        let rows = build()
        replace(\.keys, with: (key, rows))
        counters.withLock { $0.keyBuilds += 1 }
        return rows
    }

    /// The node list for `key`, built by `build` when not remembered.
    func nodeRows(_ key: NodeKey, build: () -> [NodeRow]) -> [NodeRow] {
        if let hit = storage.withLock({ $0.nodes?.key == key ? $0.nodes?.rows : nil }) { return hit }
        let rows = build()
        replace(\.nodes, with: (key, rows))
        counters.withLock { $0.nodeBuilds += 1 }
        return rows
    }

    /// The header's fleet totals of snapshot `version`, computed by `build` when not remembered.
    func totals(version: UInt64, build: () -> FleetTotals) -> FleetTotals {
        if let hit = storage.withLock({ $0.totals?.version == version ? $0.totals?.totals : nil }) { return hit }
        let totals = build()
        storage.withLock { $0.totals = (version, totals) }
        return totals
    }

    /// The unhealthy routers of snapshot `version`, found by `build` when not remembered.
    func troubled(version: UInt64, build: () -> Troubled) -> Troubled {
        if let hit = storage.withLock({ $0.troubled?.version == version ? $0.troubled?.troubled : nil }) { return hit }
        let troubled = build()
        storage.withLock { $0.troubled = (version, troubled) }
        counters.withLock { $0.troubledScans += 1 }
        return troubled
    }

    /// How often each list was derived rather than remembered (for tests of the invalidation).
    var builds: (fleet: Int, keys: Int, nodes: Int) {
        counters.withLock { ($0.fleetBuilds, $0.keyBuilds, $0.nodeBuilds) }
    }

    /// How often a key's drill-down was derived rather than remembered (for tests).
    var keyNodeBuilds: Int { counters.withLock { $0.keyNodeBuilds } }

    /// How often the keys were aggregated over the fleet rather than remembered (for tests).
    var aggregations: Int { counters.withLock { $0.aggregations } }

    /// How often the snapshot was scanned for unhealthy routers (for tests).
    var troubledScans: Int { counters.withLock { $0.troubledScans } }
}

/// Holds the state's `RowCache` without taking part in its equality or hash: two states that
/// show the same thing are equal whatever they have cached.
struct RowCacheBox: Sendable, Hashable {
    let cache = RowCache()

    static func == (lhs: RowCacheBox, rhs: RowCacheBox) -> Bool { true }
    func hash(into hasher: inout Hasher) {}
}
