@testable import RouterConfig

/// A file reader over an in-memory set of files, for tests that need no disk.
struct MissingFile: Error, CustomStringConvertible {
    let missing: String
    var description: String { "no such file: \(missing)" }
}

/// Parses `arguments` with `files` as the only readable files.
func parse(_ arguments: [String], files: [String: String] = [:]) throws(ConfigurationError)
    -> (configuration: RouterConfiguration, notices: [String]) {
    let (configuration, notices) = try RouterConfiguration.parse(arguments: arguments) { path in
        guard let text = files[path] else { throw MissingFile(missing: path) }
        return text
    }
    return (configuration, notices)
}

/// The error `arguments` are refused with, or nil when they parse.
func parseError(_ arguments: [String], files: [String: String] = [:]) -> ConfigurationError? {
    do {
        _ = try parse(arguments, files: files)
        return nil
    } catch {
        return error
    }
}
