/// A row that the `/` filter can match: the strings it is searched by.
public protocol Searchable {
    /// Name, key, address, tags… whatever the row is found by.
    var searchFields: [String] { get }
}

/// The `/` filter: a case-insensitive substring match over a row's search fields.
public struct TextFilter: Sendable, Hashable {
    /// The text typed, as typed.
    public var text: String
    private let needle: String

    /// Creates a filter; blank text matches everything.
    public init(_ text: String) {
        self.text = text
        self.needle = text.trimmingWhitespace().lowercased()
    }

    /// True when the filter is blank.
    public var isEmpty: Bool { needle.isEmpty }

    /// True when any field of `row` contains the text, ignoring case.
    public func matches(_ row: some Searchable) -> Bool {
        needle.isEmpty || row.searchFields.contains { $0.lowercased().contains(needle) }
    }

    /// The matching rows, in their order.
    public func apply<Row: Searchable>(to rows: [Row]) -> [Row] {
        needle.isEmpty ? rows : rows.filter(matches)
    }
}
