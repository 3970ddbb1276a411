#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads small kernel-generated files (`/proc/PID/…`) with `open`/`read`.
///
/// Foundation's `String(contentsOfFile:)` sizes its buffer from `stat`, which is 0 for these
/// files, and leaks that buffer when the file reads empty (`/proc/PID/task/TID/children` of a
/// process with no children): 4 KiB per call, reported by LeakSanitizer.
public enum ProcFile {
    /// The file's text, or nil when it cannot be opened or read. At most `limit` bytes are read.
    public static func contents(of path: String, limit: Int = 1 << 20) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes.prefix(limit), as: UTF8.self)
    }
}
