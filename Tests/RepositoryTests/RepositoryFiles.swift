import Foundation

/// The package's own files, read from the checkout these tests were built from.
enum RepositoryFiles {
    /// The package root (the directory holding `Package.swift`).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Paths relative to `root` of every regular file under `folder`, skipping build output.
    static func paths(under folder: String) -> [String] {
        let base = root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return []
        }
        var found: [String] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            found.append(folder + "/" + url.path.dropFirst(base.path.count + 1))
        }
        return found.sorted()
    }

    /// The text of the file at `path` relative to `root`.
    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }
}
