import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Operator state persisted as JSON at `--state-file`: loaded at start, saved atomically after
/// every applied edit (temp file in the same directory, fsync, rename over, fsync the
/// directory), so a crash leaves either the old or the new content, never a torn file.
///
/// Saving does blocking file I/O: call it from a task or thread, never from an event loop.
public struct StateFile<Value: Codable & Sendable>: Sendable {
    /// What to do when the file exists but does not decode.
    public enum CorruptPolicy: Sendable {
        /// Throw `StateFileError.corrupt` (the default): the operator's drains are not lost silently.
        case refuse
        /// Move the file aside to `<path>.corrupt-<unix time>` and start empty.
        case setAside
    }

    /// The state file path.
    public let path: String

    /// Creates a handle for `path` (nothing is read yet).
    public init(path: String) {
        self.path = path
    }

    /// The directory holding the file (temp files go there so rename stays atomic).
    var directory: String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    /// The prefix of this file's temp files; only names with it are ever ours.
    var tempPrefix: String {
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        return ".\(name).tmp-"
    }

    /// Loads the state: nil when the file does not exist, the decoded value when it does.
    /// A temp file left by a crash before rename is ignored (the old file is the truth).
    /// With `.setAside`, a file that does not decode is renamed and `setAside` is told where.
    public func load(corrupt policy: CorruptPolicy = .refuse, setAside: (String) -> Void = { _ in }) throws(StateFileError) -> Value? {
        let data: Data
        do {
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .io(path: path, operation: "read", reason: "\(error)")
        }
        do {
            return try Self.decode(data)
        } catch {
            switch policy {
            case .refuse:
                throw .corrupt(path: path, reason: "\(error)")
            case .setAside:
                let aside = "\(path).corrupt-\(time(nil))"
                guard rename(path, aside) == 0 else {
                    throw .io(path: path, operation: "rename to \(aside)", reason: Self.errnoText())
                }
                setAside(aside)
                return nil
            }
        }
    }

    /// The file's content decoded, as `load` does it (Benchmarks/Fuzz/StateFile.swift fuzzes it).
    static func decode(_ data: Data) throws -> Value {
        try JSONDecoder().decode(Value.self, from: data)
    }

    /// The file's content for `value`, as `save` writes it.
    static func encode(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }

    /// The failed call's errno as text and number (`No space left on device (errno 28)`).
    static func errnoText() -> String {
        let code = errno
        return "\(String(cString: strerror(code))) (errno \(code))"
    }

    /// Writes `value` atomically: temp file, fsync, rename over `path`, fsync the directory.
    public func save(_ value: Value) throws(StateFileError) {
        let data: Data
        do {
            data = try Self.encode(value)
        } catch {
            throw .io(path: path, operation: "encode", reason: "\(error)")
        }
        let temp = "\(directory)/\(tempPrefix)\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .io(path: path, operation: "create \(temp)", reason: Self.errnoText()) }
        var failure: StateFileError?
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = .io(path: path, operation: "write \(temp)", reason: Self.errnoText())
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(fd) != 0 {
            failure = .io(path: path, operation: "fsync \(temp)", reason: Self.errnoText())
        }
        close(fd)
        if failure == nil, rename(temp, path) != 0 {
            failure = .io(path: path, operation: "rename \(temp)", reason: Self.errnoText())
        }
        if let failure {
            unlink(temp)
            throw failure
        }
        // Without this the rename itself may not survive a power cut.
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            defer { close(dirFD) }
            guard fsync(dirFD) == 0 else {
                throw .io(path: path, operation: "fsync directory \(directory)", reason: Self.errnoText())
            }
        }
    }
}
