import RouterConfig
import RouterWire
import SocketSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The admin bearer token, read once at start from `--admin-token-file`, compared in
/// constant time.
public struct AdminToken: Sendable {
    private let bytes: [UInt8]

    /// Wraps a token value; throws if empty.
    public init(_ value: String, source: String = "<inline>") throws(RuntimeError) {
        guard !value.isEmpty else { throw .adminTokenFile(path: source, reason: "the token is empty") }
        self.bytes = Array(value.utf8)
    }

    /// Reads the token from `path` by the rule the client uses too (`AdminTokenText`). A
    /// missing, unreadable, empty or multi-line file, or one that group or others may access,
    /// is an error naming the file, so the router refuses to start.
    public static func load(fromFile path: String) throws(RuntimeError) -> AdminToken {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .adminTokenFile(path: path, reason: "cannot open: \(SocketPrimitives.lastError())")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw .adminTokenFile(path: path, reason: "cannot stat: \(SocketPrimitives.lastError())")
        }
        if let problem = AdminTokenText.modeProblem(UInt32(info.st_mode), path: path) {
            throw .adminTokenFile(path: path, reason: problem)
        }
        var content: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .adminTokenFile(path: path, reason: "read error: \(SocketPrimitives.lastError())")
            }
            if count == 0 { break }
            content.append(contentsOf: chunk[0..<count])
            guard content.count <= 64 * 1024 else {
                throw .adminTokenFile(path: path, reason: "larger than 64 KiB; expected a single token")
            }
        }
        let text: String
        do { text = try AdminTokenText.token(from: content) } catch {
            throw .adminTokenFile(path: path, reason: error.description)
        }
        return try AdminToken(text, source: path)
    }

    /// True when `candidate` equals the token. Time depends only on the candidate's length,
    /// not on where a mismatch is, so a remote peer cannot find the token byte by byte.
    public func matches(_ candidate: String) -> Bool {
        let other = Array(candidate.utf8)
        var difference = bytes.count ^ other.count
        for index in 0..<other.count {
            let mine = bytes.isEmpty ? 0 : bytes[index % bytes.count]
            difference |= Int(mine ^ other[index])
        }
        return difference == 0
    }
}
