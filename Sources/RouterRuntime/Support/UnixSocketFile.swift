import RouterConfig
import SocketSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The filesystem side of a unix socket listener: removing a stale socket before binding,
/// restricting its mode, checking that it is still private, and removing it on shutdown.
public enum UnixSocketFile {
    /// Removes a stale socket file at `path` (left by a crashed run) so binding succeeds.
    /// A missing path is fine; a path that exists but is not a socket is refused, because
    /// unlinking an operator's regular file by mistake would destroy data.
    public static func removeStale(at path: String) throws(RuntimeError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { throw .notASocket(path: path) }
        unlink(path)
    }

    /// Removes the socket file at `path` if it is still a socket (best effort, on shutdown).
    public static func remove(at path: String) {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFSOCK else { return }
        unlink(path)
    }

    /// Runs `body` (a bind) with the process umask at 0177, so a socket file it creates is born
    /// owner-only whatever the inherited umask, then restores the umask. Callers then widen
    /// the mode explicitly; nobody can connect in between through looser bits.
    public static func withPrivateUmask<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        let previous = umask(0o177)
        defer { umask(previous) }
        return try body()
    }

    /// The async form of `withPrivateUmask`, for a bind that completes on an event loop.
    public static func withPrivateUmask<T>(_ body: () async throws -> T) async throws -> T {
        let previous = umask(0o177)
        defer { umask(previous) }
        return try await body()
    }

    /// Sets the socket file's permission bits (e.g. 0o600 for a private admin socket).
    public static func setMode(_ mode: mode_t, at path: String) throws(RuntimeError) {
        guard chmod(path, mode) == 0 else {
            throw .bindFailed(address: path, reason: "chmod \(String(mode, radix: 8)): \(SocketPrimitives.lastError())")
        }
    }
}
