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
        apply(to: rows, reusing: nil).rows
    }

    /// Sorts rows as `apply(to:)` does, and returns the order found with them. When `previous`
    /// is this sort's order of rows with the same keys (a name sort of a fleet whose names did
    /// not change, the usual poll), its permutation is reused without comparing anything.
    public func apply(to rows: [Column.Row], reusing previous: SortedOrder<Column>?) -> (rows: [Column.Row], order: SortedOrder<Column>) {
        let keys = rows.map { column.sortKey($0) }
        let order: [Int]
        if let previous, previous.sort == self, previous.keys == keys {
            order = previous.permutation
        } else {
            order = Self.order(of: keys, ascending: direction == .ascending)
        }
        return (order.map { rows[$0] }, SortedOrder(sort: self, keys: keys, permutation: order))
    }

    // Sorts positions by prepared keys and moves each row once: rows are large values and this
    // code is generic, so sorting the rows themselves would copy them at every step.
    private static func order(of sortKeys: [SortKey], ascending: Bool) -> [Int] {
        let keys = sortKeys.map(SortKey.Prepared.init)
        return keys.indices.sorted { a, b in
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
    }
}

/// The order a `TableSort` gave some rows: their keys and the permutation that sorts them, for
/// sorting the next rows without a comparison when their keys are the same.
public struct SortedOrder<Column: TableColumn>: Sendable {
    /// The sort applied.
    public let sort: TableSort<Column>
    /// The rows' keys, in their input order.
    let keys: [SortKey]
    /// Input positions in sorted order.
    let permutation: [Int]
}
