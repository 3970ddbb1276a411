/// The part of a table the application owns: which row is selected and the first row shown.
///
/// Movement methods take the row count and page size so that a reducer can move the selection
/// without a buffer; `Table.render` then only nudges `offset` to keep the selection visible.
public struct TableState: Hashable, Sendable {
    /// The selected row index, or `nil` for no selection.
    public var selected: Int?
    /// The first row shown.
    public var offset: Int

    /// Creates a state.
    public init(selected: Int? = nil, offset: Int = 0) {
        self.selected = selected
        self.offset = max(0, offset)
    }

    /// Moves the selection by `delta` rows, clamped to the table (selecting row 0 if none was).
    public mutating func move(by delta: Int, rowCount: Int) {
        guard rowCount > 0 else {
            selected = nil
            return
        }
        let current = selected ?? (delta >= 0 ? -1 : rowCount)
        selected = min(rowCount - 1, max(0, current + delta))
    }

    /// Selects the next row.
    public mutating func selectNext(rowCount: Int) { move(by: 1, rowCount: rowCount) }
    /// Selects the previous row.
    public mutating func selectPrevious(rowCount: Int) { move(by: -1, rowCount: rowCount) }
    /// Moves the selection a page down.
    public mutating func pageDown(rowCount: Int, pageSize: Int) { move(by: max(1, pageSize), rowCount: rowCount) }
    /// Moves the selection a page up.
    public mutating func pageUp(rowCount: Int, pageSize: Int) { move(by: -max(1, pageSize), rowCount: rowCount) }
    /// Selects the first row.
    public mutating func selectFirst(rowCount: Int) { selected = rowCount > 0 ? 0 : nil }
    /// Selects the last row.
    public mutating func selectLast(rowCount: Int) { selected = rowCount > 0 ? rowCount - 1 : nil }

    /// Keeps the selection inside a table that now has `rowCount` rows (after a refresh or filter).
    public mutating func clamp(rowCount: Int) {
        if let index = selected { selected = rowCount > 0 ? min(index, rowCount - 1) : nil }
        offset = min(offset, max(0, rowCount - 1))
    }

    /// After the rows changed: keeps the selection inside `rowCount` rows, selects the first
    /// row when nothing is selected and there is one, and scrolls so the selection shows.
    public mutating func fit(rowCount: Int, visibleRows: Int) {
        clamp(rowCount: rowCount)
        if selected == nil, rowCount > 0 { selected = 0 }
        scrollToSelection(rowCount: rowCount, visibleRows: visibleRows)
    }

    /// Adjusts `offset` so the selection lies within `visibleRows` rows and no space is wasted
    /// below the last row.
    public mutating func scrollToSelection(rowCount: Int, visibleRows: Int) {
        guard visibleRows > 0 else { return }
        if let index = selected {
            if index < offset { offset = index }
            if index >= offset + visibleRows { offset = index - visibleRows + 1 }
        }
        offset = max(0, min(offset, rowCount - visibleRows))
    }
}
