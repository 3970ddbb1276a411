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

    /// Reads the token from `path`: the whole file less trailing newlines (CR/LF). A missing,
    /// unreadable or empty file is an error naming the file, so the router refuses to start.
    public static func load(fromFile path: String) throws(RuntimeError) -> AdminToken {
        guard let file = fopen(path, "rb") else {
            throw .adminTokenFile(path: path, reason: "cannot open: \(SocketPrimitives.lastError())")
        }
        defer { fclose(file) }
        var content: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            content.append(contentsOf: chunk[0..<count])
            if count < chunk.count { break }
            guard content.count <= 64 * 1024 else {
                throw .adminTokenFile(path: path, reason: "larger than 64 KiB; expected a single token")
            }
        }
        if ferror(file) != 0 { throw .adminTokenFile(path: path, reason: "read error: \(SocketPrimitives.lastError())") }
        while let last = content.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { content.removeLast() }
        guard let text = String(validating: content, as: UTF8.self) else {
            throw .adminTokenFile(path: path, reason: "not UTF-8 text")
        }
        guard !text.isEmpty else { throw .adminTokenFile(path: path, reason: "the file is empty") }
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
