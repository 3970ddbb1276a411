import Foundation

/// The demo fleet's private temporary directory (mode 0700): unix sockets and the admin token
/// file (mode 0600, a fresh random token each run).
struct DemoDirectory: Sendable {
    /// The directory's path.
    let root: String

    /// A file inside the directory.
    func path(_ name: String) -> String { root + "/" + name }

    /// The admin token file.
    var tokenFile: String { path("admin.token") }

    /// Creates the directory and writes the token file. Blocking file calls: run it off the
    /// cooperative pool.
    static func create() throws -> DemoDirectory {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("fleettop-demo-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw DemoFleetError(message: "cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        let directory = DemoDirectory(root: String(cString: made))
        var generator = SystemRandomNumberGenerator()
        let token = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let descriptor = open(directory.tokenFile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            directory.remove()
            throw DemoFleetError(message: "cannot write \(directory.tokenFile): \(String(cString: strerror(errno)))")
        }
        let bytes = Array((token + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count else {
            directory.remove()
            throw DemoFleetError(message: "cannot write \(directory.tokenFile)")
        }
        return directory
    }

    /// Removes the directory and what is left in it.
    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
