import Foundation

/// Finds the `fleetrouter` executable SwiftPM built next to this test bundle. Tests that need
/// it run when it and uWSGI are both present; in CI (`CI=true`) they always run, so a missing
/// binary fails them instead of skipping.
enum FleetrouterBinary {
    /// Overrides the search, e.g. to test another build: `FLEETROUTER_BIN=/path/to/fleetrouter`.
    static let environmentOverride = "FLEETROUTER_BIN"

    /// The binary, if one was found.
    static let url: URL? = candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }

    /// Whether the fleetrouter interop tests run.
    static let enabled: Bool = Uwsgi.mustRun || (Uwsgi.missing.isEmpty && url != nil)

    /// Shown when the fleetrouter interop tests are skipped.
    static let skipNotice: String = {
        if !Uwsgi.missing.isEmpty { return Uwsgi.skipNotice }
        return "fleetrouter is not built (looked for it next to the test bundle and in .build/<triple>/debug); set CI=true to make this a failure"
    }()

    /// The binary (and uWSGI), or an error naming where it was looked for.
    static func require() throws -> URL {
        _ = try Uwsgi.require()
        guard let url else {
            throw InteropError("""
                fleetrouter executable not found; looked at \(candidates.map(\.path).joined(separator: ", ")). \
                The InteropTests target must depend on the `fleetrouter` executable target so SwiftPM builds it, \
                or set \(environmentOverride)
                """)
        }
        return url
    }

    /// Where to look, best first: the override, the test bundle's build directory, then the
    /// package's `.build/debug` and `.build/<triple>/debug`.
    static let candidates: [URL] = {
        var found: [URL] = []
        if let override = ProcessInfo.processInfo.environment[environmentOverride], !override.isEmpty {
            found.append(URL(fileURLWithPath: override))
        }
        // The test runner (FleettopPackageTests.xctest) sits in the build products directory;
        // walk up a few levels in case it is a bundle directory rather than a file.
        var directory = Bundle.main.bundleURL
        for _ in 0..<3 {
            found.append(directory.appendingPathComponent("fleetrouter"))
            directory = directory.deletingLastPathComponent()
        }
        // #filePath is Tests/InteropTests/Support/FleetrouterBinary.swift in the package.
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let build = packageRoot.appendingPathComponent(".build")
        found.append(build.appendingPathComponent("debug/fleetrouter"))
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: build.path)) ?? []
        for triple in entries.sorted() where triple.contains("-linux-") || triple.contains("-apple-") {
            found.append(build.appendingPathComponent("\(triple)/debug/fleetrouter"))
        }
        var seen = Set<String>()
        return found.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }()
}
