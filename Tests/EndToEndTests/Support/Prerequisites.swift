import Foundation

/// The external programs the end-to-end tests drive, and whether they run: in CI (`CI=true`) a
/// missing program fails its tests; elsewhere they are skipped with a notice naming it.
enum Prerequisites {
    /// True in CI, where every end-to-end test must run rather than skip.
    static let mustRun: Bool = {
        let value = ProcessInfo.processInfo.environment["CI"]?.lowercased()
        return value == "true" || value == "1"
    }()

    /// `name` on PATH, if any.
    static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The `uwsgi` binary.
    static let uwsgi = onPath("uwsgi")
    /// The python3 plugin the nodes load (Debian: a separate package).
    static let python3Plugin = "/usr/lib/uwsgi/plugins/python3_plugin.so"
    /// What is missing for the uWSGI nodes.
    static let uwsgiMissing: [String] = {
        var missing: [String] = []
        if uwsgi == nil { missing.append("uwsgi on PATH (apt-get install uwsgi-core)") }
        if !FileManager.default.fileExists(atPath: python3Plugin) { missing.append("\(python3Plugin) (apt-get install uwsgi-plugin-python3)") }
        return missing
    }()

    /// The `tmux` binary.
    static let tmux = onPath("tmux")

    /// Whether the uWSGI end-to-end test runs.
    static let uwsgiEnabled = mustRun || uwsgiMissing.isEmpty
    /// Whether the tmux terminal test runs.
    static let tmuxEnabled = mustRun || (tmux != nil && FleettopBinary.url != nil)

    /// The uwsgi binary, or an error naming what to install.
    static func requireUwsgi() throws -> String {
        guard let uwsgi, uwsgiMissing.isEmpty else {
            throw EndToEndError("uWSGI not available (CI=\(mustRun)): missing \(uwsgiMissing.joined(separator: ", "))")
        }
        return uwsgi
    }

    /// The tmux binary, or an error.
    static func requireTmux() throws -> String {
        guard let tmux else { throw EndToEndError("tmux not on PATH (CI=\(mustRun)); apt-get install tmux") }
        return tmux
    }
}

/// Finds the `fleettop` executable SwiftPM built next to this test bundle (the target depends on
/// it); `FLEETTOP_BIN` overrides the search.
enum FleettopBinary {
    /// The binary, if found.
    static let url: URL? = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }

    /// The binary, or an error naming where it was looked for.
    static func require() throws -> URL {
        guard let url else {
            throw EndToEndError("fleettop executable not found; looked at \(candidates.map(\.path).joined(separator: ", "))")
        }
        return url
    }

    /// Where to look: the override, the test bundle's build directory, then `.build/<triple>/debug`.
    static let candidates: [URL] = {
        var found: [URL] = []
        if let override = ProcessInfo.processInfo.environment["FLEETTOP_BIN"], !override.isEmpty {
            found.append(URL(fileURLWithPath: override))
        }
        var directory = Bundle.main.bundleURL
        for _ in 0..<3 {
            found.append(directory.appendingPathComponent("fleettop"))
            directory = directory.deletingLastPathComponent()
        }
        let build = packageRoot.appendingPathComponent(".build")
        found.append(build.appendingPathComponent("debug/fleettop"))
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: build.path)) ?? []
        for triple in entries.sorted() where triple.contains("-linux-") || triple.contains("-apple-") {
            found.append(build.appendingPathComponent("\(triple)/debug/fleettop"))
        }
        var seen = Set<String>()
        return found.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }()

    /// The package root (#filePath is Tests/EndToEndTests/Support/Prerequisites.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}

/// A failed precondition or step of an end-to-end test.
struct EndToEndError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
