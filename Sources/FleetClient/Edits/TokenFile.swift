import RouterWire
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads an admin bearer token file by the rule the router uses too (`AdminTokenText`): a
/// file that group or others may access, or whose token spans lines, is refused.
enum TokenFile {
    /// Token files are one line; anything larger is not a token file.
    static let sizeLimit = 64 * 1024

    /// What went wrong reading the file.
    enum Failure: Error, Sendable, Hashable {
        /// The file could not be opened or read, is too open, or holds no usable token.
        case unreadable(String)
        /// The file holds only whitespace.
        case empty
    }

    /// Reads the token at `path`.
    static func load(_ path: String) throws(Failure) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(String(cString: strerror(errno))) }
        if let problem = AdminTokenText.modeProblem(UInt32(info.st_mode), path: path) { throw .unreadable(problem) }
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
        do {
            return try AdminTokenText.token(from: bytes)
        } catch {
            if error == .empty { throw .empty }
            throw .unreadable(error.description)
        }
    }
}
