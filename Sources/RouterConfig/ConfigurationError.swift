/// Where an option came from, for messages.
public enum OptionSource: Sendable, Equatable, CustomStringConvertible {
    /// The command line; `position` counts arguments from 1.
    case commandLine(position: Int)
    /// A configuration file and its 1-based line.
    case file(path: String, line: Int)

    /// "argument 3" or "app.ini:12".
    public var description: String {
        switch self {
        case .commandLine(let position): "argument \(position)"
        case .file(let path, let line): "\(path):\(line)"
        }
    }
}

/// A configuration the parser refuses, naming the option, its source and what was expected.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Problem: Sendable, Equatable {
        /// No such option; `suggestion` is the nearest known name, if close.
        case unknownOption(suggestion: String?)
        /// A value is required and none was given.
        case missingValue(expected: String)
        /// The value is malformed.
        case invalidValue(String, expected: String)
        /// A command-line argument that is neither an option nor a configuration file.
        case unexpectedArgument
        /// A uWSGI option fleetrouter deliberately does not implement.
        case unsupported(reason: String)
        /// A configuration file could not be read or has a syntax error.
        case badFile(reason: String)
        /// The options parse but do not make a working router.
        case invalidConfiguration(reason: String)
    }

    /// The option as written, with its dashes (`--http-timeout`), or the file for file problems.
    public let option: String
    /// Where it came from; nil for problems found after parsing.
    public let source: OptionSource?
    /// What is wrong.
    public let problem: Problem

    /// Creates an error.
    public init(option: String, source: OptionSource?, problem: Problem) {
        self.option = option
        self.source = source
        self.problem = problem
    }

    /// A one-line message for the operator.
    public var description: String {
        let place = source.map { "\($0): " } ?? ""
        switch problem {
        case .unknownOption(let suggestion):
            let hint = suggestion.map { "; did you mean --\($0)?" } ?? ""
            return "\(place)unknown option \(option)\(hint)"
        case .missingValue(let expected):
            return "\(place)option \(option) needs a value: \(expected)"
        case .invalidValue(let value, let expected):
            return "\(place)option \(option): invalid value '\(value)': expected \(expected)"
        case .unexpectedArgument:
            return "\(place)unexpected argument '\(option)': options start with --, files end in .ini, .yaml or .yml"
        case .unsupported(let reason):
            return "\(place)not supported by fleetrouter: \(option): \(reason)"
        case .badFile(let reason):
            return "\(place)\(option): \(reason)"
        case .invalidConfiguration(let reason):
            return "\(place)invalid configuration: \(option): \(reason)"
        }
    }
}
