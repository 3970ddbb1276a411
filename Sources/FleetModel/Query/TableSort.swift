/// A table column that can sort rows: one enum per table (`RouterColumn`, `NodeColumn`, …).
public protocol TableColumn: CaseIterable, Hashable, Sendable {
    /// The row type of the table.
    associatedtype Row
    /// The column header.
    var title: String { get }
    /// The sort key of `row` in this column.
    func sortKey(_ row: Row) -> SortKey
}

/// Ascending or descending.
public enum SortDirection: Sendable, Hashable {
    /// Smallest first.
    case ascending
    /// Largest first.
    case descending

    /// The other direction.
    public var toggled: SortDirection { self == .ascending ? .descending : .ascending }
}

/// A table's sort: a column and a direction.
public struct TableSort<Column: TableColumn>: Sendable, Hashable {
    /// The column sorted by.
    public var column: Column
    /// The direction.
    public var direction: SortDirection

    /// Creates a sort.
    public init(_ column: Column, _ direction: SortDirection = .ascending) {
        self.column = column
        self.direction = direction
    }

    /// The sort on the next (`step` 1) or previous (-1) column, keeping the direction (`>`/`<`).
    public func shifted(by step: Int) -> TableSort {
        let columns = Array(Column.allCases)
        guard let index = columns.firstIndex(of: column), !columns.isEmpty else { return self }
        let next = ((index + step) % columns.count + columns.count) % columns.count
        return TableSort(columns[next], direction)
    }

    /// Sorts rows stably: equal keys keep their input order in both directions, and missing
    /// values go last in both directions.
    public func apply(to rows: [Column.Row]) -> [Column.Row] {
        // Sorts positions by prepared keys and moves each row once: rows are large values and
        // this code is generic, so sorting the rows themselves would copy them at every step.
        let keys = rows.map { SortKey.Prepared(column.sortKey($0)) }
        let ascending = direction == .ascending
        let order = keys.indices.sorted { a, b in
            let (left, right) = (keys[a], keys[b])
            switch (left.isMissing, right.isMissing) {
            case (true, false): return false
            case (false, true): return true
            case (true, true): return a < b
            case (false, false):
                let order = left.compare(to: right)
                if order != 0 { return ascending ? order < 0 : order > 0 }
                return a < b
            }
        }
        return order.map { rows[$0] }
    }
}
