/// Why one option value was refused: the text says what was expected instead.
///
/// Value parsers throw this; the configuration parser wraps it into a `ConfigurationError`
/// that adds the option name and where the option came from.
public struct ValueError: Error, Sendable, Equatable {
    /// What the value should have been, e.g. "a port between 1 and 65535".
    public let expected: String

    /// Creates a value error that says what was expected.
    public init(expected: String) {
        self.expected = expected
    }
}

/// Small value parsers shared by the option table.
enum ValueParse {
    /// The words uWSGI treats as false (`uwsgi_opt_true`), plus their true counterparts.
    static let falseWords: Set<String> = ["false", "off", "no", "0"]
    static let trueWords: Set<String> = ["true", "on", "yes", "1"]

    /// Parses a boolean the way uWSGI spells them; unlike uWSGI, a word outside both lists is an error.
    static func bool(_ text: String) throws(ValueError) -> Bool {
        let word = text.trimmingSpaces().lowercased()
        if trueWords.contains(word) { return true }
        if falseWords.contains(word) { return false }
        throw ValueError(expected: "a boolean (true/false, yes/no, on/off, 1/0)")
    }

    /// Parses a decimal integer inside `range`.
    static func int(_ text: String, in range: ClosedRange<Int>, unit: String = "") throws(ValueError) -> Int {
        let trimmed = text.trimmingSpaces()
        let what = unit.isEmpty ? "an integer" : "an integer (\(unit))"
        let bounds = range.upperBound == Int.max
            ? "\(range.lowerBound) or more" : "between \(range.lowerBound) and \(range.upperBound)"
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let number = Int(trimmed) else {
            throw ValueError(expected: "\(what) \(bounds)")
        }
        guard range.contains(number) else { throw ValueError(expected: "\(what) \(bounds)") }
        return number
    }

    /// Requires a non-empty value without surrounding blanks.
    static func nonEmpty(_ text: String, _ what: String) throws(ValueError) -> String {
        let trimmed = text.trimmingSpaces()
        guard !trimmed.isEmpty else { throw ValueError(expected: what) }
        return trimmed
    }

    /// Splits `k=v,k=v` the way `uwsgi_kvlist_parse` does, but refuses items without `=`.
    static func keyValueList(_ text: String) throws(ValueError) -> [(key: String, value: String)] {
        var items: [(key: String, value: String)] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: true) {
            guard let equals = item.firstIndex(of: "=") else {
                throw ValueError(expected: "key=value items separated by commas (got '\(item)')")
            }
            let key = item[..<equals].trimmingSpaces()
            guard !key.isEmpty else {
                throw ValueError(expected: "key=value items separated by commas (got '\(item)')")
            }
            items.append((key, String(item[item.index(after: equals)...])))
        }
        return items
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, CR and LF.
    func trimmingSpaces() -> String {
        let blanks: Set<Character> = [" ", "\t", "\r", "\n"]
        var slice = Substring(self)
        while let first = slice.first, blanks.contains(first) { slice.removeFirst() }
        while let last = slice.last, blanks.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
