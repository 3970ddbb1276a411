import Foundation

/// A fresh directory under /tmp for one test's sockets, logs, token and state files. Short
/// paths matter: a unix socket path must fit in 107 bytes.
final class TemporaryDirectory: Sendable {
    /// The directory.
    let path: String

    /// Creates `/tmp/<prefix>.XXXXXX`.
    init(prefix: String = "fleettop-interop") throws {
        var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }
        }
        guard created != nil else { throw InteropError("mkdtemp /tmp/\(prefix).XXXXXX failed: errno \(errno)") }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The directory as a URL.
    var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

    /// A path inside the directory.
    func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes `text` to `name` with the given permissions and returns its path.
    @discardableResult
    func write(_ text: String, to name: String, permissions: Int = 0o600) throws -> String {
        let file = file(name)
        guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: permissions]) else {
            throw InteropError("cannot write \(file)")
        }
        return file
    }

    /// Copies the reference app (`Resources/app.py`) in, so uWSGI writes nothing into the build tree.
    func copyApp() throws -> String {
        guard let source = Bundle.module.url(forResource: "app", withExtension: "py") else {
            throw InteropError("Resources/app.py missing from the InteropTests bundle")
        }
        let target = file("app.py")
        try FileManager.default.copyItem(atPath: source.path, toPath: target)
        return target
    }

    /// Removes the directory and everything in it.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
