import Foundation

/// Where the real uWSGI 2.0 peer is and whether the interop suites run: in CI (`CI=true`) a
/// missing uWSGI fails every interop test; elsewhere those tests are skipped with a notice.
enum Uwsgi {
    /// Debian installs every plugin as a separate `.so` here (Debian's uwsgi-plugin-* packages).
    static let pluginDirectory = "/usr/lib/uwsgi/plugins"

    /// The plugins the interop tests load: app nodes, the HTTP router and the fastrouter.
    static let requiredPlugins = ["python3", "http", "fastrouter"]

    /// The `uwsgi` binary on PATH, if any.
    static let binary = executableOnPath("uwsgi")

    /// What is missing for the interop tests, empty when uWSGI and its plugins are installed.
    static let missing: [String] = {
        var missing: [String] = []
        if binary == nil { missing.append("uwsgi on PATH (apt-get install uwsgi-core)") }
        for plugin in requiredPlugins {
            let file = "\(pluginDirectory)/\(plugin)_plugin.so"
            if !FileManager.default.fileExists(atPath: file) {
                missing.append(file + (plugin == "python3" ? " (apt-get install uwsgi-plugin-python3)" : " (apt-get install uwsgi-core)"))
            }
        }
        return missing
    }()

    /// True in CI, where the interop tests must run (and fail when uWSGI is missing) rather than skip.
    static let mustRun: Bool = {
        let value = ProcessInfo.processInfo.environment["CI"]?.lowercased()
        return value == "true" || value == "1"
    }()

    /// Whether uWSGI-backed tests run: always in CI, elsewhere only when uWSGI is installed.
    static let enabled: Bool = mustRun || missing.isEmpty

    /// Shown when the uWSGI-backed tests are skipped.
    static let skipNotice = "uWSGI 2.0 is not installed (missing: \(missing.joined(separator: ", "))); set CI=true to make this a failure"

    /// The binary, or an error naming what to install (the failure CI reports).
    static func require() throws -> String {
        guard let binary, missing.isEmpty else {
            throw InteropError("uWSGI peer not available (CI=\(mustRun)): missing \(missing.joined(separator: ", "))")
        }
        return binary
    }
}

/// The first executable `name` in a directory of PATH, if any.
func executableOnPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}
