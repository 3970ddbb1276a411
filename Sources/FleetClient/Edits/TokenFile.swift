#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads an admin bearer token file: the whole file, surrounding whitespace dropped.
enum TokenFile {
    /// Token files are one line; anything larger is not a token file.
    static let sizeLimit = 64 * 1024

    /// What went wrong reading the file.
    enum Failure: Error, Sendable, Hashable {
        /// The file could not be opened or read; the system's reason.
        case unreadable(String)
        /// The file holds only whitespace.
        case empty
    }

    /// Reads the token at `path`.
    static func load(_ path: String) throws(Failure) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= sizeLimit {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(String(cString: strerror(errno)))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        guard bytes.count <= sizeLimit else { throw .unreadable("larger than \(sizeLimit) bytes, not a token file") }
        let text = String(decoding: bytes, as: UTF8.self)
        let token = text[...].trimmingWhitespace
        guard !token.isEmpty else { throw .empty }
        return token
    }
}

private extension Substring {
    /// Without surrounding whitespace of any kind (newlines included).
    var trimmingWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else {
            return ""
        }
        return String(self[first...last])
    }
}
