import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--xxx-use-code-socket PATH` (fleetrouter's own): asks the resolver listening on a unix
/// stream socket, one connection per key (`CodeSocketProtocol`), on the forwarder's own
/// threads with every socket operation bounded by the forwarder's deadline.
final class SocketCodeResolver: CodeResolver {
    let path: String
    let router: String
    private let timeout: TimeAmount
    private let pool: BlockingCallPool

    /// Checks that `path` fits a unix socket address; the resolver need not be up yet.
    /// The call pool's threads start only once the checks pass: a refused start leaves none.
    init(path: String, router: String, timeout: TimeAmount) throws(CodeResolverLoadError) {
        guard !path.isEmpty, path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw CodeResolverLoadError(what: "code socket \(path)", reason: "not a unix socket path of 1...\(MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1) bytes")
        }
        self.path = path
        self.router = router
        self.timeout = timeout
        self.pool = BlockingCallPool()
    }

    func resolve(key: [UInt8]) async throws -> CodeRoute {
        let request = CodeSocketProtocol.request(key: key, router: router)
        let path = self.path
        let deadline = NIODeadline.now() + timeout
        let timeout = Int(self.timeout.nanoseconds / 1_000_000)
        return try await pool.run { () throws(CodeResolverError) -> CodeRoute in
            try CodeSocketProtocol.parseResponse(try Self.exchange(request, path: path, deadline: deadline, timeout: timeout))
        }
    }

    /// Stops the pool's threads.
    func shutdown() {
        pool.shutdown()
    }

    /// Sends `request` and reads the answer to its end, each call bounded by `deadline`. Running
    /// out of time is `.timedOut(timeout)` (milliseconds), whether this socket's limit or the
    /// forwarder's own timer notices first: the two end at the same moment.
    private static func exchange(_ request: [UInt8], path: String, deadline: NIODeadline, timeout: Int) throws(CodeResolverError) -> [UInt8] {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .failed("socket(): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try setTimeout(fd, until: deadline, timeout: timeout)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw .failed("connect(\(path)): \(String(cString: strerror(errno)))") }
        var offset = 0
        while offset < request.count {
            try setTimeout(fd, until: deadline, timeout: timeout)
            let written = request[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw ioFailure("send", path: path, timeout: timeout) }
            offset += written
        }
        var answer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            try setTimeout(fd, until: deadline, timeout: timeout)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw ioFailure("recv", path: path, timeout: timeout) }
            if count == 0 { return answer }
            answer += chunk[..<count]
            guard answer.count <= CodeSocketProtocol.maximumResponse else {
                throw .invalidAnswer("answer over \(CodeSocketProtocol.maximumResponse) bytes")
            }
        }
    }

    private static func ioFailure(_ call: String, path: String, timeout: Int) -> CodeResolverError {
        if errno == EAGAIN || errno == EWOULDBLOCK { return .timedOut(milliseconds: timeout) }
        return .failed("\(call) on \(path): \(String(cString: strerror(errno)))")
    }

    /// Bounds the socket's next blocking call by what is left until `deadline`.
    private static func setTimeout(_ fd: CInt, until deadline: NIODeadline, timeout: Int) throws(CodeResolverError) {
        let left = (deadline - .now()).nanoseconds
        guard left > 0 else { throw .timedOut(milliseconds: timeout) }
        var value = timeval(tv_sec: Int(left / 1_000_000_000), tv_usec: Int((left % 1_000_000_000) / 1000))
        if value.tv_sec == 0 && value.tv_usec == 0 { value.tv_usec = 1 }
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }
}
