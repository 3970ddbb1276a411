import CNIOLinux
import RouterCoreTesting
import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback TCP client with a receive timeout, so every test read is bounded. The
/// timeout is stretched by a sanitizer's slowdown (`Slowdown`) here, for every caller.
final class BlockingClient {
    /// `timeout` is the receive timeout passing (EAGAIN); `receive` any other failed read, by errno.
    enum Failure: Error { case connect(Int32), timeout, receive(Int32), closed, malformed(String) }

    private let fd: Int32
    private var pending: [UInt8] = []

    init(port: Int, timeoutSeconds: Int = 30) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: timeoutSeconds * Slowdown.factor, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        // NIO's address, not `sockaddr_in`: which module a test file's `sockaddr_in` members
        // belong to (Glibc or CNIOLinux) varies with the compiler's batching.
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let rc = address.withSockAddr { Glibc.connect(fd, $0, socklen_t($1)) }
        let code = rc == 0 ? 0 : errno
        // No close here: the object is fully initialised, so deinit runs on this throw and
        // closes fd; closing it twice could close a descriptor NIO has just been handed.
        if code == EINTR {
            // A signal cut the wait short (seen with a full backlog, the SYN waiting for a
            // retry): the connect goes on in the kernel, so wait for its end instead.
            let ended = Self.connectEnd(fd, milliseconds: Int32(timeoutSeconds * Slowdown.factor * 1000))
            guard ended == 0 else { throw Failure.connect(ended) }
        } else if code != 0 {
            throw Failure.connect(code)
        }
    }

    /// Waits (bounded) for an interrupted connect of `fd` to end: 0 when it connected, else its
    /// error (`ETIMEDOUT` when it did not end in time).
    private static func connectEnd(_ fd: Int32, milliseconds: Int32) -> Int32 {
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let deadline = ContinuousClock.now + .milliseconds(Int(milliseconds))
        var ready: Int32 = -1
        // Bounded by the deadline: a wait cut short again by a signal waits for what is left.
        while ContinuousClock.now < deadline {
            let left = deadline - ContinuousClock.now
            ready = poll(&descriptor, 1, Int32(max(1, (left / .milliseconds(1)).rounded(.up))))
            if ready >= 0 || errno != EINTR { break }
        }
        guard ready > 0 else { return ETIMEDOUT }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else { return errno }
        return error
    }

    deinit { close(fd) }

    /// Whether the socket connected to itself: a connect to a port nothing listens on can pick
    /// that very port as its own when the ephemeral range is nearly used up (a connect flood's
    /// sockets hold it), and TCP's simultaneous open then connects it to itself.
    var isConnectedToItself: Bool {
        func port(_ get: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32) -> Int? {
            // A sockaddr_in read as bytes: family (2), then the port in network order.
            var bytes = [UInt8](repeating: 0, count: 128)
            var length = socklen_t(bytes.count)
            let rc = bytes.withUnsafeMutableBytes { get(fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length) }
            return rc == 0 ? Int(bytes[2]) << 8 | Int(bytes[3]) : nil
        }
        guard let local = port({ getsockname($0, $1, $2) }), let peer = port({ getpeername($0, $1, $2) }) else { return false }
        return local == peer
    }

    /// The client's own port (the ephemeral one the kernel chose), 0 if unknown.
    var localPort: Int {
        // A sockaddr_in read as bytes: family (2), then the port in network order.
        var bytes = [UInt8](repeating: 0, count: 128)
        var length = socklen_t(bytes.count)
        let rc = bytes.withUnsafeMutableBytes { raw in
            getsockname(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
        }
        return rc == 0 ? Int(bytes[2]) << 8 | Int(bytes[3]) : 0
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw Failure.closed }
            offset += n
        }
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads more bytes into `pending`; false at EOF.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        var n: Int
        repeat {
            n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        } while n < 0 && errno == EINTR
        if n < 0 { throw errno == EAGAIN || errno == EWOULDBLOCK ? Failure.timeout : Failure.receive(errno) }
        if n == 0 { return false }
        pending.append(contentsOf: chunk[0..<n])
        return true
    }

    /// Everything until the peer closes.
    func readToEnd() throws -> [UInt8] {
        while try fill() {}
        defer { pending = [] }
        return pending
    }

    /// Exactly `count` bytes.
    func read(count: Int) throws -> [UInt8] {
        while pending.count < count {
            guard try fill() else { throw Failure.closed }
        }
        let out = Array(pending[0..<count])
        pending.removeFirst(count)
        return out
    }

    /// Reads until the peer closes or resets (true) or the receive timeout passes (false).
    func waitClosedOrReset() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0, errno == EINTR { continue }
            if n < 0 { return errno == ECONNRESET || errno == EPIPE }
        }
    }

    /// Sends `text`, reads one response, and tells whether the peer then ended the connection
    /// (EOF, not a reset: a reset throws).
    func answerThenEnd(to text: String) throws -> (response: HTTPTestResponse, closed: Bool) {
        try send(text)
        let response = try readResponse()
        return (response, try isClosedByPeer())
    }

    /// Whether the peer has closed (EOF with nothing pending).
    func isClosedByPeer() throws -> Bool {
        guard pending.isEmpty else { return false }
        return try !fill()
    }

    /// Reads one HTTP response: head, then a Content-Length, chunked or until-close body.
    func readResponse() throws -> HTTPTestResponse {
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.find(pending, [13, 10, 13, 10])
            if headEnd == nil { guard try fill() else { throw Failure.closed } }
        }
        guard let end = headEnd else { throw Failure.closed }
        let head = String(decoding: pending[0..<end], as: UTF8.self)
        pending.removeFirst(end + 4)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure.malformed(statusLine) }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingSpaces()))
        }
        var response = HTTPTestResponse(status: status, headers: headers, body: [])
        if let length = response.header("content-length").flatMap({ Int($0) }) {
            response.body = try read(count: length)
        } else if response.header("transfer-encoding") == "chunked" {
            while true {
                var lineEnd: Int?
                while lineEnd == nil {
                    lineEnd = Self.find(pending, [13, 10])
                    if lineEnd == nil { guard try fill() else { throw Failure.closed } }
                }
                guard let le = lineEnd, let size = Int(String(decoding: pending[0..<le], as: UTF8.self), radix: 16) else {
                    throw Failure.malformed("chunk size")
                }
                pending.removeFirst(le + 2)
                let chunk = try read(count: size + 2)
                if size == 0 { break }
                response.body += chunk[0..<size]
            }
        } else if status >= 200 {
            response.body = try readToEnd()
        }
        return response
    }

    private static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<i + needle.count]) == needle {
            return i
        }
        return nil
    }
}

/// A parsed HTTP response.
struct HTTPTestResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The fake node's `KEY=VALUE` lines, split at each newline byte. Split by characters, a
    /// value ending in a carriage return (binary DER in `HTTPS_CLIENT_CERTIFICATE` does, one
    /// time in 256) would join the next line, "\r\n" being one character.
    var vars: [String: String] {
        var out: [String: String] = [:]
        for line in body.split(separator: UInt8(ascii: "\n")) {
            guard let eq = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
            out[String(decoding: line[..<eq], as: UTF8.self)] = String(decoding: line[line.index(after: eq)...], as: UTF8.self)
        }
        return out
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
