import TUICore

/// TUICore's table column, named apart from FleetModel's sortable `TableColumn` protocol (this
/// file imports only TUICore, so the name here is unambiguous).
typealias GridColumn = TableColumn

/// A table's columns with priorities: at a given width the least important columns are dropped
/// until the rest fit at their minimum widths (htop drops meters the same way).
///
/// A plan whose entries have a `growth` rank also settles the widths itself: every kept column
/// gets its minimum, then the spare width goes to the growing columns rank by rank (lower
/// first), each up to its maximum, so short columns keep their natural width and the text
/// columns that need room get it before a sparkline does.
struct ColumnPlan<ID: Hashable & Sendable>: Sendable {
    struct Entry: Sendable {
        var id: ID
        var column: GridColumn
        /// Lower is more important; the highest numbers go first.
        var priority: Int
        /// When set, the rank in which the column grows past its minimum (lower first).
        var growth: Int?

        init(id: ID, column: GridColumn, priority: Int, growth: Int? = nil) {
            self.id = id
            self.column = column
            self.priority = priority
            self.growth = growth
        }
    }

    var entries: [Entry]
    var spacing = 1

    /// The columns shown at `width`, in their original order; with growth ranks, each with the
    /// exact width it gets.
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
        guard kept.contains(where: { $0.growth != nil }) else { return kept }
        var widths = kept.map(\.column.width.min)
        var spare = max(0, width - needed(kept))
        for rank in Set(kept.compactMap(\.growth)).sorted() {
            let group = kept.indices.filter { kept[$0].growth == rank }
            // Each pass gives every column still below its maximum an equal share (at least 1),
            // so it ends once the spare is used or every column of the rank is at its maximum.
            for _ in 0...width {
                let growable = group.filter { widths[$0] < (kept[$0].column.width.max ?? Int.max) }
                guard spare > 0, !growable.isEmpty else { break }
                let share = max(1, spare / growable.count)
                for index in growable where spare > 0 {
                    let room = (kept[index].column.width.max ?? Int.max) - widths[index]
                    let given = min(share, room, spare)
                    widths[index] += given
                    spare -= given
                }
            }
        }
        for index in kept.indices { kept[index].column.width = .fixed(widths[index]) }
        return kept
    }
}

/// Display words and roles shared by the screens: router health, node states, node counts.
enum Presentation {
    /// Health as the Router screen shows it: `ok`, `stale 12s: <error>`, `unreachable: <error>`,
    /// `waiting for first poll`.
    static func health(_ status: RouterStatusView) -> (String, ThemeRole) {
        switch status {
        case .ok: return ("ok", .ok)
        case let .stale(age, error):
            return ("stale \(Format.age(age))" + (error.map { ": \($0)" } ?? ""), .stale)
        case let .unreachable(error): return ("unreachable: \(error)", .unreachable)
        case .waiting: return ("waiting for first poll", .dimmed)
        case let .gone(age): return ("gone from the registry \(Format.age(age)) ago", .dimmed)
        }
    }

    /// Health as the Fleet table shows it, without the detail (that goes to the status line and
    /// the Router screen): `ok`, `stale 12s`, `unreachable`, `waiting`.
    static func healthWord(_ status: RouterStatusView) -> (String, ThemeRole) {
        switch status {
        case .ok: return ("ok", .ok)
        case let .stale(age, _): return ("stale \(Format.age(age))", .stale)
        case .unreachable: return ("unreachable", .unreachable)
        case .waiting: return ("waiting", .dimmed)
        case .gone: return ("gone", .dimmed)
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
