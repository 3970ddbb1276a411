import TUICore

/// Draws a prioritised table: fits the columns to the width, fills sparkline cells at their
/// final width, and applies the theme's header, row and selection roles.
///
/// Only the rows in view are built: a 1,000-row table formats the 50 rows a screen shows, not
/// all of them.
enum TableRenderer {
    struct Row<ID: Hashable> {
        var cells: [ID: TableCell]
        var history: [Double] = []
    }

    /// Draws `rowCount` rows, asking `row` only for the ones that scroll into view; the
    /// sparkline cell comes from `sparklineText` (row index, width) when given.
    static func render<ID: Hashable>(
        plan: ColumnPlan<ID>, rowCount: Int, row makeRow: (Int) -> Row<ID>, sparkline: ID?,
        sparklineText: ((Int, Int) -> String)? = nil, in area: Rect,
        state: TableState, focused: Bool = true, emptyMessage: String, ascii: Bool, buffer: inout Buffer
    ) {
        guard !area.isEmpty else { return }
        let entries = plan.fit(width: area.width)
        var table = Table(
            columns: entries.map(\.column), rows: [],
            headerStyle: .themed(.tableHeader), rowStyle: .themed(.text),
            selectedStyle: focused ? .themed(.selected) : Style.themed(.dimmed).adding(.reverse),
            columnSpacing: plan.spacing, emptyMessage: emptyMessage)
        let widths = table.columnWidths(totalWidth: area.width)
        let sparkIndex = sparkline.flatMap { id in entries.firstIndex { $0.id == id } }
        // The scroll the table would settle on for all rows; the table then draws just that
        // window, with the selection moved into the window's coordinates.
        var scroll = state
        scroll.clamp(rowCount: rowCount)
        scroll.scrollToSelection(rowCount: rowCount, visibleRows: table.visibleRowCount(height: area.height))
        let window = scroll.offset..<min(rowCount, scroll.offset + table.visibleRowCount(height: area.height))
        table.rows = window.map { index in
            let row = makeRow(index)
            var cells = entries.map { row.cells[$0.id] ?? TableCell("") }
            if let sparkIndex, widths[sparkIndex] > 0 {
                let text = sparklineText?(index, widths[sparkIndex])
                    ?? Sparkline(row.history, ascii: ascii).text(width: widths[sparkIndex])
                cells[sparkIndex] = TableCell(text, style: .themed(.sparkline))
            }
            return TableRow(cells)
        }
        var windowState = TableState(selected: scroll.selected.map { $0 - scroll.offset }, offset: 0)
        table.render(in: area, buffer: &buffer, state: &windowState)
    }

    /// Draws every row of `rows` (small tables).
    static func render<ID: Hashable>(
        plan: ColumnPlan<ID>, rows: [Row<ID>], sparkline: ID?, in area: Rect, state: TableState,
        focused: Bool = true, emptyMessage: String, ascii: Bool, buffer: inout Buffer
    ) {
        render(plan: plan, rowCount: rows.count, row: { rows[$0] }, sparkline: sparkline, in: area, state: state,
               focused: focused, emptyMessage: emptyMessage, ascii: ascii, buffer: &buffer)
    }
}
