import Foundation

/// A fresh directory under /tmp for one test's sockets, logs and token (short: a unix socket
/// path must fit in 107 bytes).
final class EndToEndDirectory: Sendable {
    /// The directory.
    let path: String

    /// Creates `/tmp/fleettop-e2e.XXXXXX`.
    init() throws {
        var template = Array("/tmp/fleettop-e2e.XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard let created else { throw EndToEndError("mkdtemp /tmp/fleettop-e2e.XXXXXX failed: errno \(errno)") }
        path = String(cString: created)
    }

    /// A path inside the directory.
    func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes `text` to `name` (mode 0600) and returns its path.
    func write(_ text: String, to name: String) throws -> String {
        let file = file(name)
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw EndToEndError("cannot write \(file)")
        }
        return file
    }

    /// Copies the test app in: the interop suite's `Tests/InteropTests/Resources/app.py`, found
    /// from this file's place in the source tree, so both suites run the one app.
    func copyApp() throws -> String {
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let source = tests.appendingPathComponent("InteropTests/Resources/app.py").path
        guard FileManager.default.fileExists(atPath: source) else {
            throw EndToEndError("\(source) missing: the end-to-end tests run the interop suite's app")
        }
        let target = file("app.py")
        try FileManager.default.copyItem(atPath: source, toPath: target)
        return target
    }

    /// Removes the directory and everything in it.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
