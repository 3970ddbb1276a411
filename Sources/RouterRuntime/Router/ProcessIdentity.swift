#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process facts a stats document shows: pid, uid, gid and working directory.
enum ProcessIdentity {
    /// This process's id.
    static var pid: Int32 { getpid() }
    /// The real user id.
    static var uid: UInt32 { getuid() }
    /// The real group id.
    static var gid: UInt32 { getgid() }

    /// The working directory, or "" when it cannot be read (e.g. it was removed).
    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
