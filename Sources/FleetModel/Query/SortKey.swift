/// A cell's value for sorting: numbers compare numerically, text case-insensitively, and
/// missing values sort after everything in either direction.
public enum SortKey: Sendable, Hashable {
    /// A numeric value.
    case number(Double)
    /// A text value.
    case text(String)
    /// No value (shown as `-`).
    case missing

    /// Three-way comparison ignoring direction; missing values are handled by the caller.
    func compare(to other: SortKey) -> Int {
        switch (self, other) {
        case let (.number(a), .number(b)):
            return a < b ? -1 : (a > b ? 1 : 0)
        case let (.text(a), .text(b)):
            let (la, lb) = (a.lowercased(), b.lowercased())
            if la != lb { return la < lb ? -1 : 1 }
            return a < b ? -1 : (a > b ? 1 : 0)
        case (.number, .text):
            return -1
        case (.text, .number):
            return 1
        default:
            return 0
        }
    }

    var isMissing: Bool {
        if case .missing = self { return true }
        return false
    }
}

extension SortKey {
    /// A number key, or missing for nil.
    public static func number<T: BinaryInteger>(_ value: T?) -> SortKey {
        value.map { .number(Double($0)) } ?? .missing
    }

    /// A number key, or missing for nil.
    public static func number(_ value: Double?) -> SortKey {
        value.map { .number($0) } ?? .missing
    }
}

extension SortKey {
    /// A key ready for many comparisons: text is lowercased once, not on every comparison.
    struct Prepared {
        let key: SortKey
        let lowered: String?

        init(_ key: SortKey) {
            self.key = key
            if case let .text(text) = key { lowered = text.lowercased() } else { lowered = nil }
        }

        var isMissing: Bool { key.isMissing }

        /// `SortKey.compare(to:)` with the lowercasing done up front.
        func compare(to other: Prepared) -> Int {
            if case let .text(a) = key, case let .text(b) = other.key, let la = lowered, let lb = other.lowered {
                if la != lb { return la < lb ? -1 : 1 }
                return a < b ? -1 : (a > b ? 1 : 0)
            }
            return key.compare(to: other.key)
        }
    }
}
