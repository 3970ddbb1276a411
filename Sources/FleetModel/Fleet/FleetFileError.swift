/// A fleet file that could not be read: which file, where (line and column from the YAML
/// marks), which key, and what was expected.
public struct FleetFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Problem: Sendable, Hashable {
        /// The text is not valid YAML (the parser's own message).
        case syntax(String)
        /// The same key appears twice in one mapping.
        case duplicateKey
        /// A key the fleet file does not know; lists the keys allowed there.
        case unknownKey(allowed: [String])
        /// A required key is missing.
        case missingKey
        /// A value of the wrong shape (for example a list where a string belongs).
        case expected(String)
        /// An address that does not parse.
        case badAddress(StatsAddressError)
        /// Two routers with the same name; `firstLine` is where the first one is.
        case duplicateName(String, firstLine: Int?)
    }

    /// The file name as given to the parser.
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column, when known.
    public var column: Int?
    /// The key concerned (`routers[2].stats`), when there is one.
    public var key: String?
    /// What was wrong.
    public var problem: Problem

    /// Creates an error.
    public init(file: String, line: Int?, column: Int? = nil, key: String?, problem: Problem) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.problem = problem
    }

    /// `fleet.yaml:7:5: routers[1].stats: bad address …`, like a compiler diagnostic.
    public var description: String {
        var location = file
        if let line {
            location += ":\(line)"
            if let column { location += ":\(column)" }
        }
        let subject = key.map { "key '\($0)': " } ?? ""
        let what: String
        switch problem {
        case let .syntax(message): what = "not valid YAML: \(message)"
        case .duplicateKey: what = "key given twice"
        case let .unknownKey(allowed): what = "unknown key; expected one of \(allowed.joined(separator: ", "))"
        case .missingKey: what = "missing; this key is required"
        case let .expected(shape): what = "expected \(shape)"
        case let .badAddress(error): what = error.description
        case let .duplicateName(name, firstLine):
            what = "router name '\(name)' is already used" + (firstLine.map { " (line \($0))" } ?? "")
                + "; names must be unique"
        }
        return "\(location): \(subject)\(what)"
    }
}
