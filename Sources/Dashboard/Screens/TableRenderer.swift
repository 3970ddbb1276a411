import TUICore

/// Draws a prioritised table: fits the columns to the width, fills sparkline cells at their
/// final width, and applies the theme's header, row and selection roles.
enum TableRenderer {
    struct Row<ID: Hashable> {
        var cells: [ID: TableCell]
        var history: [Double] = []
    }

    static func render<ID: Hashable>(
        plan: ColumnPlan<ID>, rows: [Row<ID>], sparkline: ID?, in area: Rect, state: TableState,
        focused: Bool = true, emptyMessage: String, ascii: Bool, buffer: inout Buffer
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
        table.rows = rows.map { row in
            var cells = entries.map { row.cells[$0.id] ?? TableCell("") }
            if let sparkIndex, widths[sparkIndex] > 0 {
                let text = Sparkline(row.history, ascii: ascii).text(width: widths[sparkIndex])
                cells[sparkIndex] = TableCell(text, style: .themed(.sparkline))
            }
            return TableRow(cells)
        }
        var scroll = state
        table.render(in: area, buffer: &buffer, state: &scroll)
    }
}
