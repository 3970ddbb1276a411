import FleetModel
import FleetRegistry

/// A command-line value that did not parse: names the flag, the text given and what was expected.
public struct ArgumentValueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The flag, with its dashes (`--interval`).
    public var flag: String
    /// The text given.
    public var value: String
    /// What the flag takes.
    public var expected: String

    /// Creates an error.
    public init(flag: String, value: String, expected: String) {
        self.flag = flag
        self.value = value
        self.expected = expected
    }

    /// `--interval: '0' is not valid; expected a number of seconds greater than 0`.
    public var description: String { "\(flag): '\(value)' is not valid; expected \(expected)" }
}

/// What ArgumentParser prints after "The value 'x' is invalid for '--flag <value>': ", which
/// already names the flag and the value.
struct ArgumentExpectation: Error, CustomStringConvertible {
    var description: String
}

/// Parsers for the typed values of fleettop's flags, shared by every command so `--stats` and
/// `--interval` mean the same everywhere.
public enum ArgumentValues {
    /// The largest poll interval or timeout accepted, in seconds (the fleet file's limit too).
    public static let maximumSeconds: Double = 3600

    /// Runs a value parser for ArgumentParser's `transform:`, keeping only "expected …" in the
    /// error since ArgumentParser names the flag and value itself.
    static func parser<T>(
        _ parse: @escaping @Sendable (String, String) throws(ArgumentValueError) -> T, flag: String
    ) -> @Sendable (String) throws -> T {
        { text in
            do throws(ArgumentValueError) {
                return try parse(text, flag)
            } catch {
                throw ArgumentExpectation(description: "expected \(error.expected)")
            }
        }
    }

    /// A fleet registry location (`etcd://HOST:PORT[,…]/PREFIX`).
    public static func registry(_ text: String, flag: String) throws(ArgumentValueError) -> RegistryLocation {
        do {
            return try RegistryLocation(parsing: text)
        } catch {
            throw ArgumentValueError(flag: flag, value: text, expected: "etcd://HOST:PORT[,HOST:PORT…]/PREFIX or etcd+unix://PATH/PREFIX (\(error.problem))")
        }
    }

    /// A duration in seconds for `flag`: a finite number greater than 0 and at most an hour,
    /// fractions allowed (`0.5`).
    public static func seconds(_ text: String, flag: String) throws(ArgumentValueError) -> Double {
        let trimmed = text.trimmingWhitespace()
        guard let value = Double(trimmed), value.isFinite, value > 0, value <= maximumSeconds else {
            throw ArgumentValueError(
                flag: flag, value: text,
                expected: "a number of seconds greater than 0 and at most \(Int(maximumSeconds)) (fractions allowed, e.g. 0.5)")
        }
        return value
    }

    /// A positive whole number for `flag` (1 or more).
    public static func positiveInteger(_ text: String, flag: String) throws(ArgumentValueError) -> UInt64 {
        guard let value = UInt64(text.trimmingWhitespace()), value > 0 else {
            throw ArgumentValueError(flag: flag, value: text, expected: "a whole number of at least 1")
        }
        return value
    }

    /// A positive frame count for `--max-frames`.
    public static func frameCount(_ text: String, flag: String) throws(ArgumentValueError) -> Int {
        guard let value = Int(text.trimmingWhitespace()), value > 0 else {
            throw ArgumentValueError(flag: flag, value: text, expected: "a whole number of frames of at least 1")
        }
        return value
    }

    /// A router address for `flag`, in any form uWSGI uses (StatsAddress's rules).
    public static func address(_ text: String, flag: String) throws(ArgumentValueError) -> StatsAddress {
        do {
            return try StatsAddress(parsing: text)
        } catch {
            throw ArgumentValueError(
                flag: flag, value: text,
                expected: "host:port, [v6]:port, a unix socket path, @abstract or http://host:port/path (\(error))")
        }
    }

    /// A cheap mode for `ctl cheap`: `on`, `off` or `auto`.
    public static func cheapMode(_ text: String, flag: String = "cheap") throws(ArgumentValueError) -> CheapModeValue {
        guard let mode = CheapModeValue(rawValue: text.trimmingWhitespace().lowercased()) else {
            throw ArgumentValueError(flag: flag, value: text, expected: "on, off or auto")
        }
        return mode
    }

    /// A non-empty name for `flag` (`--node`, `--key`).
    public static func name(_ text: String, flag: String) throws(ArgumentValueError) -> String {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else {
            throw ArgumentValueError(flag: flag, value: text, expected: "a non-empty name")
        }
        return trimmed
    }
}

/// `ctl cheap`'s argument.
public enum CheapModeValue: String, Sendable, Hashable, CaseIterable {
    /// Forced cheap.
    case on
    /// Never cheap.
    case off
    /// uWSGI's behaviour.
    case auto
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
