import TUICore

/// TUICore's table column, named apart from FleetModel's sortable `TableColumn` protocol (this
/// file imports only TUICore, so the name here is unambiguous).
typealias GridColumn = TableColumn

/// A table's columns with priorities: at a given width the least important columns are dropped
/// until the rest fit at their minimum widths (htop drops meters the same way).
struct ColumnPlan<ID: Hashable & Sendable>: Sendable {
    struct Entry: Sendable {
        var id: ID
        var column: GridColumn
        /// Lower is more important; the highest numbers go first.
        var priority: Int
    }

    var entries: [Entry]
    var spacing = 1

    /// The columns shown at `width`, in their original order.
    func fit(width: Int) -> [Entry] {
        var kept = entries
        func needed(_ list: [Entry]) -> Int {
            list.reduce(0) { $0 + $1.column.width.min } + max(0, list.count - 1) * spacing
        }
        // Each pass removes one column, so this ends within entries.count passes.
        while needed(kept) > width, kept.count > 1,
              let worst = kept.indices.max(by: { kept[$0].priority < kept[$1].priority }) {
            kept.remove(at: worst)
        }
        return kept
    }
}

/// Display words and roles shared by the screens: router health, node states, node counts.
enum Presentation {
    /// Health as shown: `ok`, `stale 12s`, `unreachable: <error>`, `waiting`.
    static func health(_ status: RouterStatusView) -> (String, ThemeRole) {
        switch status {
        case .ok: return ("ok", .ok)
        case let .stale(age, error):
            return ("stale \(Format.age(age))" + (error.map { ": \($0)" } ?? ""), .stale)
        case let .unreachable(error): return ("unreachable: \(error)", .unreachable)
        case .waiting: return ("waiting for first poll", .dimmed)
        }
    }

    /// The role of a node state.
    static func role(of state: NodeStateView) -> ThemeRole {
        switch state {
        case .ready: return .ok
        case .draining: return .draining
        case .drained: return .drained
        case .dead, .expired: return .dead
        case .gone: return .dimmed
        }
    }
}
