/// How wide a table column may be: at least `min`, at most `max`, growing by `flex` share.
public struct ColumnWidth: Hashable, Sendable {
    /// Columns always given (if the table is wide enough to show the column at all).
    public var min: Int
    /// Columns never exceeded; `nil` for no limit.
    public var max: Int?
    /// Share of the spare width, relative to other columns' flex; 0 keeps the column at `min`.
    public var flex: Int

    /// Creates a width rule.
    public init(min: Int, max: Int? = nil, flex: Int = 0) {
        self.min = Swift.max(0, min)
        self.max = max.map { Swift.max(Swift.max(0, min), $0) }
        self.flex = Swift.max(0, flex)
    }

    /// Exactly `width` columns.
    public static func fixed(_ width: Int) -> ColumnWidth { ColumnWidth(min: width, max: width) }
    /// At least `min`, growing with weight `flex` up to `max`.
    public static func flexible(min: Int, max: Int? = nil, flex: Int = 1) -> ColumnWidth {
        ColumnWidth(min: min, max: max, flex: flex)
    }
}

/// A table column: header title, width rule and alignment.
public struct TableColumn: Hashable, Sendable {
    /// The header text.
    public var title: String
    /// The width rule.
    public var width: ColumnWidth
    /// How cell text sits in the column.
    public var alignment: Alignment

    /// Creates a column.
    public init(_ title: String, width: ColumnWidth, alignment: Alignment = .left) {
        self.title = title
        self.width = width
        self.alignment = alignment
    }
}

/// One table cell: text and an optional style of its own.
public struct TableCell: Hashable, Sendable, ExpressibleByStringLiteral {
    /// The text (truncated with `…` to the column).
    public var text: String
    /// The cell's style; `nil` uses the row's.
    public var style: Style?

    /// Creates a cell.
    public init(_ text: String, style: Style? = nil) {
        self.text = text
        self.style = style
    }

    /// Creates a cell from a literal.
    public init(stringLiteral value: String) { self.init(value) }
}

/// One table row.
public struct TableRow: Hashable, Sendable {
    /// The cells, one per column (missing cells are blank, extra ones ignored).
    public var cells: [TableCell]
    /// The row's style; `nil` uses the table's `rowStyle`.
    public var style: Style?

    /// Creates a row.
    public init(_ cells: [TableCell], style: Style? = nil) {
        self.cells = cells
        self.style = style
    }
}

/// A scrolling table with a header row and a highlighted selection (htop's process list).
///
/// Only the rows in view are drawn, so a 1,000-row table costs what its visible rows cost.
public struct Table: Sendable {
    /// The columns, left to right.
    public var columns: [TableColumn]
    /// The rows, top to bottom.
    public var rows: [TableRow]
    /// Style of the header row.
    public var headerStyle: Style
    /// Style of ordinary rows.
    public var rowStyle: Style
    /// Style of the selected row (it replaces cell styles across the whole row).
    public var selectedStyle: Style
    /// Blank columns between adjacent columns.
    public var columnSpacing: Int
    /// Whether the header row is drawn.
    public var showsHeader: Bool
    /// Text shown when there are no rows.
    public var emptyMessage: String

    /// Creates a table.
    public init(columns: [TableColumn], rows: [TableRow],
                headerStyle: Style = Style(attributes: [.bold, .reverse]), rowStyle: Style = .plain,
                selectedStyle: Style = Style(attributes: .reverse), columnSpacing: Int = 1,
                showsHeader: Bool = true, emptyMessage: String = "") {
        self.columns = columns
        self.rows = rows
        self.headerStyle = headerStyle
        self.rowStyle = rowStyle
        self.selectedStyle = selectedStyle
        self.columnSpacing = max(0, columnSpacing)
        self.showsHeader = showsHeader
        self.emptyMessage = emptyMessage
    }

    /// Rows of data that fit in an area `height` rows tall (the page size for PgUp/PgDn).
    public func visibleRowCount(height: Int) -> Int { max(0, height - (showsHeader ? 1 : 0)) }

    /// The width of each column in a table `totalWidth` wide; 0 for columns that do not fit.
    ///
    /// Every column first gets its minimum, left to right, while it fits (the first one that
    /// does not fit gets what is left); spare width then goes to flexible columns in
    /// proportion to their flex, up to their maximum.
    public func columnWidths(totalWidth: Int) -> [Int] {
        var widths = [Int](repeating: 0, count: columns.count)
        var remaining = totalWidth
        var shown = 0
        for (index, column) in columns.enumerated() {
            let gap = index == 0 ? 0 : columnSpacing
            guard remaining - gap > 0 else { break }
            remaining -= gap
            widths[index] = min(column.width.min, remaining)
            remaining -= widths[index]
            shown = index + 1
            if widths[index] < column.width.min { break }
        }
        // Each pass either uses up the spare width or pins a column at its maximum, so the loop
        // ends within columns.count + 1 passes.
        for _ in 0...columns.count {
            guard remaining > 0 else { break }
            let growable = (0..<shown).filter { index in
                let rule = columns[index].width
                return rule.flex > 0 && widths[index] < (rule.max ?? Int.max)
            }
            let totalFlex = growable.reduce(0) { $0 + columns[$1].width.flex }
            guard totalFlex > 0 else { break }
            var given = 0
            let pool = remaining
            for index in growable {
                let rule = columns[index].width
                var share = pool * rule.flex / totalFlex
                if share == 0 && given < pool { share = 1 }
                share = min(share, (rule.max ?? Int.max) - widths[index], pool - given)
                widths[index] += share
                given += share
            }
            remaining -= given
            if given == 0 { break }
        }
        return widths
    }

    /// Draws the table into `area`, scrolling `state.offset` so the selection is visible.
    public func render(in area: Rect, buffer: inout Buffer, state: inout TableState) {
        guard !area.isEmpty else { return }
        state.clamp(rowCount: rows.count)
        let bodyHeight = visibleRowCount(height: area.height)
        state.scrollToSelection(rowCount: rows.count, visibleRows: bodyHeight)
        let widths = columnWidths(totalWidth: area.width)
        var y = area.y
        if showsHeader {
            let header = TableRow(columns.map { TableCell($0.title) })
            draw(header, widths: widths, in: Rect(x: area.x, y: y, width: area.width, height: 1), style: headerStyle, forced: true, buffer: &buffer)
            y += 1
        }
        if rows.isEmpty {
            if bodyHeight > 0 && !emptyMessage.isEmpty {
                buffer.set(line: emptyMessage, in: Rect(x: area.x, y: y, width: area.width, height: 1), style: rowStyle)
            }
            return
        }
        let last = min(rows.count, state.offset + bodyHeight)
        for index in state.offset..<last {
            let line = Rect(x: area.x, y: y, width: area.width, height: 1)
            let isSelected = index == state.selected
            draw(rows[index], widths: widths, in: line,
                 style: isSelected ? selectedStyle : (rows[index].style ?? rowStyle), forced: isSelected, buffer: &buffer)
            y += 1
        }
    }

    private func draw(_ row: TableRow, widths: [Int], in line: Rect, style: Style, forced: Bool, buffer: inout Buffer) {
        buffer.fill(line, style: style)
        var x = line.x
        for (index, width) in widths.enumerated() where width > 0 {
            if index > 0 { x += columnSpacing }
            if index < row.cells.count {
                let cell = row.cells[index]
                let cellStyle = forced ? style : (cell.style ?? style)
                buffer.set(line: cell.text, in: Rect(x: x, y: line.y, width: width, height: 1),
                           style: cellStyle, alignment: columns[index].alignment)
            }
            x += width
        }
    }
}
