import FleetModel
import RouterWire
import TUICore

/// The Fleet screen: one row per router with health, nodes by state, traffic and a sparkline.
enum FleetScreen {
    enum Column: Hashable {
        case name, kind, address, health, certificate, cheap, keys, nodes, sessions, requests, tx, rx, history
    }

    /// The widths the Fleet table's short columns need for the rows it shows (their natural
    /// widths), and how long the names and addresses are.
    struct NaturalWidths: Sendable, Hashable {
        /// Longest kind, with the uWSGI marker: at most `kindLimit`.
        var kind = 4
        var health = 6
        var cheap = 5
        var nodes = 5
        var name = 4
        /// 0 when no row's address says more than its name (the column is then left out).
        var address = 0
        /// True when some router serves TLS certificates (the CERT column is shown).
        var certificates = false

        /// The longest kind name (`forkptyrouter`) plus the uWSGI `*`.
        static let kindLimit = 14
        /// A path longer than this is cut (with `…`) rather than crowding out the numbers.
        static let addressLimit = 60
        /// A name longer than this may be cut (with `…`) to keep the numbers on screen.
        static let nameLimit = 24

        /// The widths for `rows` drawn with or without UTF-8 glyphs; `measures`, when given,
        /// are the rows' measures in their order, in one array (the poller's, with the rows).
        init(_ rows: [RouterRow], measures given: [RouterRowMeasures]? = nil, ascii: Bool) {
            let glyphs = ascii ? Glyphs.plain : Glyphs.unicode
            let glyphsWidth = glyphs.glyphsWidth
            let measured = given?.count == rows.count ? given : nil
            // Measured without building any text, from each row's measures (worked out when the
            // row was built, off the UI thread): this runs over every router once per snapshot.
            // From one array when given: reading each row's from its own box costs a cache miss a row.
            for index in rows.indices {
                let measures = measured?[index] ?? rows[index].measures
                kind = max(kind, min(Self.kindLimit, measures.kindLength))
                health = max(health, FleetScreen.healthWordWidth(measures.health))
                cheap = max(cheap, FleetScreen.cheapWidth(cheap: measures.cheap, mode: measures.cheapMode))
                if measures.hasData { nodes = max(nodes, measures.nodeDigits + glyphsWidth) }
                name = max(name, measures.asciiNameWidth ?? DisplayWidth.of(rows[index].name))
                if measures.hasCertificates { certificates = true }
                if measures.addressDiffers {
                    let width = measures.asciiAddressWidth ?? DisplayWidth.of(rows[index].address)
                    address = max(address, max(7, min(Self.addressLimit, width)))
                }
            }
        }

        init() {}

        /// Widens the columns a group header uses for `groups`.
        mutating func include(_ groups: [RouterGroup], ascii: Bool) {
            let glyphs = ascii ? Glyphs.plain : Glyphs.unicode
            for group in groups {
                health = max(health, DisplayWidth.of(FleetScreen.groupHealth(group)))
                nodes = max(nodes, DisplayWidth.of(glyphs.nodeCounts(group.nodesByState)))
                name = max(name, DisplayWidth.of(FleetScreen.groupTitle(group, ascii: ascii)))
            }
        }
    }

    /// The columns for rows of these widths: the short columns at their natural width; NAME
    /// whole (up to `nameLimit`) before a low-priority column is kept; ADDRESS (the first to go
    /// on a narrow terminal) from 20 columns up to its length; then the sparkline takes what is left.
    static func plan(_ widths: NaturalWidths) -> ColumnPlan<Column> {
        var entries: [ColumnPlan<Column>.Entry] = [
            .init(id: .name, column: .init("NAME", width: .flexible(min: min(widths.name, NaturalWidths.nameLimit),
                                                                  max: widths.name)),
                  priority: 0, growth: 0),
            .init(id: .kind, column: .init("KIND", width: .fixed(widths.kind)), priority: 6),
        ]
        if widths.address > 0 {
            entries.append(.init(id: .address, column: .init("ADDRESS", width: .flexible(min: min(widths.address, 20),
                                                                                        max: widths.address)),
                                 priority: 10, growth: 1))
        }
        entries += [
            .init(id: .health, column: .init("HEALTH", width: .fixed(widths.health)), priority: 1),
        ]
        if widths.certificates {
            entries.append(.init(id: .certificate, column: .init("CERT", width: .fixed(8)), priority: 1))
        }
        entries += [
            .init(id: .cheap, column: .init("CHEAP", width: .fixed(widths.cheap)), priority: 9),
            .init(id: .keys, column: .init("KEYS", width: .fixed(4), alignment: .right), priority: 11),
            .init(id: .nodes, column: .init("NODES", width: .fixed(widths.nodes)), priority: 2),
            .init(id: .sessions, column: .init("SESS", width: .fixed(5), alignment: .right), priority: 5),
            .init(id: .requests, column: .init("REQ/S", width: .fixed(5), alignment: .right), priority: 3),
            .init(id: .tx, column: .init("TX/S", width: .fixed(5), alignment: .right), priority: 7),
            .init(id: .rx, column: .init("RX/S", width: .fixed(5), alignment: .right), priority: 8),
            .init(id: .history, column: .init("TREND", width: .flexible(min: 6, max: 60)), priority: 4, growth: 2),
        ]
        return ColumnPlan(entries: entries)
    }

    /// The widest `Presentation.healthWord` a router of this health can have, whatever its age:
    /// the Health column is sized by the kinds of health in the fleet, so it does not twitch as
    /// ages grow.
    static func healthWordWidth(_ health: RouterRowMeasures.Health) -> Int {
        switch health {
        case .ok: return 2
        case .neverPolled: return 7
        // `stale 119s`, `stale 119m`, `stale 47h`; longer ages in days are rarer and may truncate.
        case .stale: return 10
        case .unreachable: return 11
        case .gone: return 4
        }
    }

    /// `http`, or `http*` for a real uWSGI router.
    static func kindText(_ kind: String, flavor: RouterFlavor?) -> String {
        kind + (flavor == .uwsgi ? "*" : "")
    }

    /// The stats address when it says more than the router's name; nil when the name is the
    /// address (a router given only by `--stats host:port`), so it is not shown twice.
    static func addressText(_ row: RouterRow) -> String? {
        row.address == row.name ? nil : row.address
    }

    static func render(_ state: DashboardState, layout: DashboardLayout, buffer: inout Buffer) {
        let ascii = state.options.ascii
        let lines = state.fleetLines
        let cache = state.rowCache.cache.fleetCells
        // Only the rows in view are formatted (the renderer asks for them by index), and only
        // when their inputs changed since they were last drawn.
        func tableRow(_ index: Int) -> TableRenderer.Row<Column> {
            switch lines[index] {
            case let .group(group):
                return TableRenderer.Row(cells: groupCells(group, ascii: ascii))
            case let .router(row):
                let inputs = FleetCellCache.Inputs(row, now: state.now, ascii: ascii)
                return TableRenderer.Row(cells: cache.cells(row.id, inputs, format: cells), history: row.history)
            }
        }
        func sparkline(_ index: Int, width: Int) -> String {
            guard case let .router(row) = lines[index] else { return "" }
            return cache.sparkline(row.id, .init(history: row.history, width: width, ascii: ascii)) {
                Sparkline($0.history, ascii: $0.ascii).text(width: $0.width)
            }
        }
        let empty = state.fleetFilter.isEmpty ? "no routers configured" : "no router matches '\(state.fleetFilter.text)'"
        let widths = state.rowCache.cache.fleetWidths(state.fleetLinesKey, ascii: ascii) {
            var widths = NaturalWidths(state.fleetRows, measures: state.preparedFleetRowMeasures, ascii: ascii)
            // Ungrouped, no line is a header: not one look at each of the routers' lines.
            guard state.fleetGrouping != .none else { return widths }
            var groups: [RouterGroup] = []
            for line in lines {
                if case let .group(group) = line { groups.append(group) }
            }
            widths.include(groups, ascii: ascii)
            return widths
        }
        TableRenderer.render(plan: plan(widths), rowCount: lines.count, row: tableRow, sparkline: .history, sparklineText: sparkline,
                             in: layout.table, state: state.fleetTable, emptyMessage: empty, ascii: ascii, buffer: &buffer)
    }

    /// `▾ web-1` (`▸` when folded): a group header's name cell.
    static func groupTitle(_ group: RouterGroup, ascii: Bool) -> String {
        let marker = ascii ? (group.collapsed ? "+" : "-") : (group.collapsed ? "▸" : "▾")
        let kind = group.grouping == .key ? "key " : ""
        return "\(marker) \(kind)\(group.title)"
    }

    /// `11/12 ok`, `+1 gone`: a group header's health cell (its errors are the routers not ok).
    static func groupHealth(_ group: RouterGroup) -> String {
        "\(group.ok)/\(group.routers) ok" + (group.gone > 0 ? " +\(group.gone)" : "")
    }

    /// The cells of a group header: its name, its routers' health, and sums over them.
    static func groupCells(_ group: RouterGroup, ascii: Bool) -> [Column: TableCell] {
        let glyphs = ascii ? Glyphs.plain : Glyphs.unicode
        let title = Style.themed(.title)
        return [
            .name: TableCell(groupTitle(group, ascii: ascii), style: title),
            .kind: TableCell(""),
            .health: TableCell(groupHealth(group), style: group.troubled > 0 ? .themed(.unreachable) : title),
            .keys: TableCell(""),
            .nodes: TableCell(glyphs.nodeCounts(group.nodesByState), style: nodesRole(group.nodesByState) ?? title),
            .sessions: TableCell(Format.count(group.activeSessions), style: title),
            .requests: TableCell(Format.rate(group.requestsPerSecond), style: title),
        ]
    }

    /// The text cells of a row (all but the sparkline), formatted from `inputs` alone.
    static func cells(_ inputs: FleetCellCache.Inputs) -> [Column: TableCell] {
        let glyphs = inputs.ascii ? Glyphs.plain : Glyphs.unicode
        let (health, healthRole) = Presentation.healthWord(inputs.health)
        let hasData = inputs.flavor != nil
        var cells: [Column: TableCell] = [
            .name: TableCell(inputs.name, style: inputs.presence == .new ? .themed(.new) : nil),
            .kind: TableCell(kindText(inputs.kind, flavor: inputs.flavor)),
            .address: TableCell(inputs.address == inputs.name ? "" : inputs.address),
            .health: TableCell(health, style: .themed(healthRole)),
            .cheap: TableCell(cheapText(cheap: inputs.cheap, mode: inputs.cheapMode)),
            .keys: TableCell(hasData ? String(inputs.keys) : "-"),
            .nodes: TableCell(hasData ? glyphs.nodeCounts(inputs.nodesByState) : "-", style: nodesRole(inputs.nodesByState)),
            .sessions: TableCell(Format.count(inputs.activeSessions)),
            .requests: TableCell(Format.rate(inputs.requestsPerSecond)),
            .tx: TableCell(Format.bytes(inputs.txPerSecond)),
            .rx: TableCell(Format.bytes(inputs.rxPerSecond)),
            .certificate: certificateCell(hoursLeft: inputs.certificateHoursLeft),
        ]
        if inputs.isOK == false, hasData {
            // Old numbers stay visible but dimmed, so nobody mistakes them for live ones.
            for column in [Column.sessions, .requests, .tx, .rx] { cells[column]?.style = .themed(.dimmed) }
        }
        return cells
    }

    /// Time left on a router's earliest certificate: `90d`, `36h`; within 14 days flagged with
    /// `!` (so monochrome reads it too) in the draining role, `expired!` in the dead role.
    static func certificateCell(hoursLeft: Int?) -> TableCell {
        guard let hours = hoursLeft else { return TableCell("-") }
        guard hours >= 0 else { return TableCell("expired!", style: .themed(.dead)) }
        let text = hours < 48 ? "\(hours)h" : "\(hours / 24)d"
        guard Double(hours) * 3_600 < RouterRow.certificateWarning else { return TableCell(text) }
        return TableCell(text + "!", style: .themed(.draining))
    }

    /// `no (auto)`, `yes (on)`, `yes`, `-`.
    static func cheapText(_ row: RouterRow) -> String { cheapText(cheap: row.cheap, mode: row.cheapMode) }

    /// The display width of `cheapText(cheap:mode:)` (all ASCII), without building it.
    static func cheapWidth(cheap: UInt64?, mode: StatsDocument.CheapMode?) -> Int {
        guard let cheap else { return mode?.rawValue.utf8.count ?? 1 }
        let word = cheap == 1 ? 3 : 2
        return mode.map { word + 3 + $0.rawValue.utf8.count } ?? word
    }

    static func cheapText(cheap: UInt64?, mode: StatsDocument.CheapMode?) -> String {
        guard let cheap else { return mode?.rawValue ?? "-" }
        let word = cheap == 1 ? "yes" : "no"
        return mode.map { "\(word) (\($0.rawValue))" } ?? word
    }

    private static func nodesRole(_ counts: [NodeDisplayState: Int]) -> Style? {
        if (counts[.dead] ?? 0) + (counts[.expired] ?? 0) > 0 { return .themed(.dead) }
        if (counts[.draining] ?? 0) + (counts[.drained] ?? 0) > 0 { return .themed(.draining) }
        return nil
    }
}
