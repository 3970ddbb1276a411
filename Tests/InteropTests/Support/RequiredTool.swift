import Testing

/// A command a test needs from a Debian package: in CI (`CI=true`) a missing one fails the
/// test; elsewhere the test is skipped with a notice naming the package.
struct RequiredTool: Sendable {
    /// The command looked up on PATH.
    let command: String
    /// The Debian package that installs it.
    let package: String

    /// Debian's `prometheus`, for the scrape test.
    static let prometheus = RequiredTool(command: "prometheus", package: "prometheus")

    /// The command's path, if it is installed.
    var binary: String? { executableOnPath(command) }

    /// Whether tests needing it run.
    var enabled: Bool { Uwsgi.mustRun || binary != nil }

    /// Shown when they are skipped.
    var skipNotice: String { "\(command) is not installed (apt-get install \(package)); set CI=true to make this a failure" }

    /// The command's path, or an error naming what to install.
    func require() throws -> String {
        guard let binary else { throw InteropError("\(command) not available (CI=\(Uwsgi.mustRun)): apt-get install \(package)") }
        return binary
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test when `tool` is installed; in CI always.
    static func requires(_ tool: RequiredTool) -> Self {
        .enabled(if: tool.enabled, Comment(rawValue: tool.skipNotice))
    }
}
