import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An unlinked temp file holding one post-buffered request body (`--xxx-post-buffering`): it
/// never has a name (`O_TMPFILE`), or loses it as soon as it is made (`mkstemp` + `unlink`,
/// where the file system has no `O_TMPFILE`), so the disk space goes back when it is closed,
/// whatever ends the connection.
///
/// Reads and writes are synchronous on the connection's loop. They are bounded: a write is one
/// client read, a read one `SpoolSend.chunkSize` chunk, and both hit the page cache; the lean
/// loops have no thread pool to hand them to, and NIO's `NonBlockingFileIO` would add a thread
/// hop per chunk for what is usually a memcpy. A router that spools much should be given a
/// `--xxx-post-buffering-dir` on a fast (or memory) file system.
final class SpoolFile {
    /// The directory the file was made in (for messages).
    let directory: String
    private let fd: CInt
    /// Bytes written so far.
    private(set) var length = 0

    /// `O_TMPFILE`, which Glibc's module does not export: `__O_TMPFILE | O_DIRECTORY`, where
    /// `__O_TMPFILE` is 020000000 on x86_64 and arm64 alike. Elsewhere the `open` fails with
    /// `EINVAL` or `EISDIR` and the `mkstemp` fallback is used.
    private static let tmpfileFlag: CInt = 0o20000000 | O_DIRECTORY

    /// Makes an empty, nameless file in `directory`.
    init(directory: String) throws(SpoolError) {
        self.directory = directory
        var fd = open(directory, Self.tmpfileFlag | O_RDWR | O_CLOEXEC, 0o600)
        if fd < 0, [EOPNOTSUPP, EISDIR, EINVAL].contains(errno) {
            var template = Array("\(directory)/fleetrouter-body-XXXXXX".utf8CString)
            fd = mkstemp(&template)
            if fd >= 0 {
                unlink(template)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        guard fd >= 0 else { throw SpoolError(operation: "create a temp file", directory: directory, errno: errno) }
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    /// Appends `bytes`.
    func append(_ bytes: ByteBuffer) throws(SpoolError) {
        let error: CInt? = bytes.withUnsafeReadableBytes { raw in
            var done = 0
            while done < raw.count {
                let (offset, overflow) = length.addingReportingOverflow(done)
                guard !overflow else { return EFBIG }
                let n = pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(offset))
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if n == 0 { return ENOSPC }
                done += n
            }
            return nil
        }
        if let error { throw SpoolError(operation: "write the request body", directory: directory, errno: error) }
        length += bytes.readableBytes
    }

    /// Reads `count` bytes at `offset` (all of them must be there).
    func read(at offset: Int, count: Int) throws(SpoolError) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        var readError: CInt = 0
        let got = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
            var done = 0
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    readError = errno
                    break
                }
                if n == 0 { break }  // shorter than written: reported below
                done += n
            }
            return done
        }
        guard got == count else {
            throw SpoolError(operation: "read the request body back", directory: directory, errno: readError != 0 ? readError : EIO)
        }
        return buffer
    }
}

/// A spool file operation failed: names what, where and the errno.
struct SpoolError: Error, CustomStringConvertible, Equatable {
    var operation: String
    var directory: String
    var errno: CInt

    var description: String {
        "post-buffering: cannot \(operation) in \(directory): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// The spool file of one client connection and where it is made: created on the first spooled
/// byte of a request, dropped when its body was sent or the request ended.
struct ConnectionSpool {
    /// `--xxx-post-buffering-dir`, else `$TMPDIR`, else `/tmp`.
    let directory: String
    private(set) var file: SpoolFile?

    init(directory: String) {
        self.directory = directory
    }

    /// Appends `bytes` to the current request's file, making it first; nil or the error.
    mutating func append(_ bytes: ByteBuffer) -> SpoolError? {
        do throws(SpoolError) {
            if file == nil { file = try SpoolFile(directory: directory) }
            try file?.append(bytes)
            return nil
        } catch {
            file = nil
            return error
        }
    }

    /// Reads a chunk of the current request's file.
    func read(at offset: Int, count: Int) -> Result<ByteBuffer, SpoolError> {
        guard let file else { return .failure(SpoolError(operation: "read the request body back", directory: directory, errno: EBADF)) }
        do throws(SpoolError) {
            return .success(try file.read(at: offset, count: count))
        } catch {
            return .failure(error)
        }
    }

    /// Sends the spooled body to `link` a chunk at a time, starting at `offset`, while the
    /// machine asks for the next: `sent` is its answer to a written chunk (given whether the
    /// link takes more), `failed` its answer to a read error, and `chunk` reads a request for
    /// another chunk out of an answer. Returns the first answer that asks for no more.
    func send<Action>(
        offset: Int, length: Int, to link: any UpstreamLink,
        chunk: (Action) -> (offset: Int, length: Int)?, sent: (_ writable: Bool) -> Action, failed: (String) -> Action
    ) -> Action {
        var next = (offset: offset, length: length)
        while true {
            let answer: Action
            switch read(at: next.offset, count: next.length) {
            case .success(let bytes):
                link.write(bytes)
                answer = sent(link.isWritable)
            case .failure(let error):
                answer = failed(error.description)
            }
            guard let more = chunk(answer) else { return answer }
            next = more
        }
    }

    /// Closes the file (its space goes back).
    mutating func release() {
        file = nil
    }

    /// The directory spool files go to when none is configured: `$TMPDIR`, else `/tmp`, as
    /// uWSGI's `uwsgi_tmpfd()`.
    static func defaultDirectory() -> String {
        if let tmp = getenv("TMPDIR"), tmp.pointee != 0 { return String(cString: tmp) }
        return "/tmp"
    }
}
