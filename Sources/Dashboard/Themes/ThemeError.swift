/// Why a theme file could not be read: which file, line and key, and what was expected.
public struct ThemeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Problem: Sendable, Hashable {
        /// The file is not valid YAML.
        case syntax(String)
        /// The file could not be read.
        case unreadable(String)
        /// A role name that no dashboard element uses.
        case unknownRole(String)
        /// A colour name that is not a basic colour, `bright-…`, `default` or 0–255.
        case badColor(String)
        /// An attribute that is not bold, dim, underline or reverse.
        case badAttribute(String)
        /// A key the theme format does not have.
        case unknownKey(String, allowed: [String])
        /// A value of the wrong shape.
        case expected(String)
        /// `inherits` names a theme that is not built in.
        case unknownParent(String)
        /// No theme of that name, and no such file.
        case notFound(String)
    }

    /// The file (path or built-in name).
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// The key path inside the file (`roles.selected.fg`), when known.
    public var key: String?
    /// What went wrong.
    public var problem: Problem

    /// Creates an error.
    public init(file: String, line: Int?, key: String?, problem: Problem) {
        self.file = file
        self.line = line
        self.key = key
        self.problem = problem
    }

    /// `file:line: key: problem`.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let key { text += "\(key): " }
        switch problem {
        case let .syntax(message): text += "not valid YAML: \(message)"
        case let .unreadable(message): text += "cannot read: \(message)"
        case let .unknownRole(name):
            text += "unknown role '\(name)', expected one of \(ThemeRole.allCases.map(\.fileKey).joined(separator: ", "))"
        case let .badColor(value):
            text += "bad colour '\(value)', expected default, black, red, green, yellow, blue, magenta, cyan, white, bright-<colour> or 0-255"
        case let .badAttribute(value):
            text += "bad attribute '\(value)', expected bold, dim, underline or reverse"
        case let .unknownKey(name, allowed): text += "unknown key '\(name)', expected one of \(allowed.joined(separator: ", "))"
        case let .expected(shape): text += "expected \(shape)"
        case let .unknownParent(name):
            text += "inherits unknown theme '\(name)', expected one of \(BuiltinThemes.names.joined(separator: ", "))"
        case let .notFound(name):
            text += "no theme named '\(name)' (built in: \(BuiltinThemes.names.joined(separator: ", "))) and no such file"
        }
        return text
    }
}
