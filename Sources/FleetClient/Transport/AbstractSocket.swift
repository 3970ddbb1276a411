import SocketSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The client's abstract-socket connect (on `SocketPrimitives`' exact-length address) and the
/// error type its POSIX calls throw.
enum AbstractSocket {
    /// A socket call that failed, with `errno`.
    struct Failure: Error, Sendable, Hashable {
        /// The `errno` value.
        var code: CInt
        /// The system's message for it.
        var message: String

        /// Captures the current `errno`.
        static func current() -> Failure {
            let code = errno
            return Failure(code: code, message: String(cString: strerror(code)))
        }
    }

    /// A non-blocking stream socket connected to `@name`, ready for
    /// `ClientBootstrap.withConnectedSocket`. A unix connect completes at once or fails
    /// (`EAGAIN` when the listener's queue is full), so this never blocks.
    static func connectedStream(name: String) throws(Failure) -> CInt {
        let fd = socket(AF_UNIX, SocketPrimitives.streamType, 0)
        guard fd >= 0 else { throw .current() }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let result = SocketPrimitives.withAbstractAddress(name) { connect(fd, $0, $1) }
        guard result == 0 else {
            let failure = Failure.current()
            close(fd)
            throw failure
        }
        return fd
    }
}
