/// A row that the `/` filter can match: the strings it is searched by.
public protocol Searchable {
    /// Name, key, address, tags… whatever the row is found by.
    var searchFields: [String] { get }
    /// The values of a named field, for `field:pattern` terms (`kind`, `key`, `host`…); nil
    /// when rows of this kind have no such field (then the term matches none of them).
    func searchValues(for field: String) -> [String]?
}

extension Searchable {
    /// No named fields: only free text matches.
    public func searchValues(for field: String) -> [String]? { nil }
}

/// The `/` filter: whitespace-separated terms that must all match, ignoring case.
///
/// - `text` matches a row when any of its search fields contains it;
/// - `field:pattern` matches when one of the row's values of that field does (`kind:http`,
///   `key:app`, `host:web-*`): a pattern with `*` (any run) or `?` (any one character) must
///   match a whole value, one without them is a substring;
/// - a leading `-` or `!` negates a term (`-kind:raw`).
public struct TextFilter: Sendable, Hashable {
    /// The text typed, as typed.
    public var text: String
    private let terms: [Term]

    /// One term of the filter.
    struct Term: Sendable, Hashable {
        /// The field named before `:`, lowercased; nil for free text.
        var field: String?
        var pattern: Pattern
        var negated: Bool

        func matches(_ row: some Searchable) -> Bool {
            let found: Bool
            if let field {
                found = row.searchValues(for: field)?.contains(where: pattern.matches) ?? false
            } else {
                found = row.searchFields.contains(where: pattern.matches)
            }
            return found != negated
        }
    }

    /// A substring, or a whole-value glob with `*` and `?`, compared ignoring case.
    struct Pattern: Sendable, Hashable {
        let needle: [Character]
        let glob: Bool

        init(_ text: Substring) {
            needle = Array(text.lowercased())
            glob = needle.contains("*") || needle.contains("?")
        }

        func matches(_ value: String) -> Bool {
            let value = value.lowercased()
            guard glob else { return needle.isEmpty || value.contains(String(needle)) }
            return Self.glob(needle, Array(value))
        }

        /// Whole-value glob match in O(pattern × value) at worst: a `*` remembers where it
        /// was, and a mismatch after it retries one character further.
        static func glob(_ pattern: [Character], _ value: [Character]) -> Bool {
            var p = 0, v = 0
            var star: Int?, resume = 0
            while v < value.count {
                if p < pattern.count, pattern[p] == "?" || pattern[p] == value[v] {
                    p += 1
                    v += 1
                } else if p < pattern.count, pattern[p] == "*" {
                    star = p
                    resume = v
                    p += 1
                } else if let star {
                    p = star + 1
                    resume += 1
                    v = resume
                } else {
                    return false
                }
            }
            while p < pattern.count, pattern[p] == "*" { p += 1 }
            return p == pattern.count
        }
    }

    /// Creates a filter; blank text matches everything.
    public init(_ text: String) {
        self.text = text
        terms = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { word in
            var word = word
            var negated = false
            if let first = word.first, first == "-" || first == "!", word.count > 1 {
                negated = true
                word = word.dropFirst()
            }
            if let colon = word.firstIndex(of: ":"), colon != word.startIndex {
                let field = word[..<colon].lowercased()
                // Only letters before the colon name a field: `10.0.0.1:3031` is an address.
                if field.allSatisfy(\.isLetter) {
                    return Term(field: field, pattern: Pattern(word[word.index(after: colon)...]), negated: negated)
                }
            }
            return Term(field: nil, pattern: Pattern(word), negated: negated)
        }
    }

    /// True when the filter is blank.
    public var isEmpty: Bool { terms.isEmpty }

    /// True when every term matches `row`.
    public func matches(_ row: some Searchable) -> Bool {
        terms.allSatisfy { $0.matches(row) }
    }

    /// The matching rows, in their order.
    public func apply<Row: Searchable>(to rows: [Row]) -> [Row] {
        terms.isEmpty ? rows : rows.filter(matches)
    }
}
