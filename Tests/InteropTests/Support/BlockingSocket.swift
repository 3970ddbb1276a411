import Glibc

/// A socket failure, naming the endpoint and the operation.
enum SocketError: Error, CustomStringConvertible {
    /// The peer refused the connection (nothing listens, or a dead uWSGI node's stale socket).
    case refused(Endpoint)
    /// Any other system call failure.
    case system(String, Endpoint, errno: Int32)
    /// The operation did not finish before its deadline.
    case timeout(String, Endpoint)
    /// The peer reset the connection.
    case reset(Endpoint)

    var description: String {
        switch self {
        case .refused(let endpoint): return "connection to \(endpoint) refused"
        case .system(let call, let endpoint, let code): return "\(call) on \(endpoint): \(String(cString: strerror(code)))"
        case .timeout(let what, let endpoint): return "\(what) on \(endpoint) timed out"
        case .reset(let endpoint): return "connection to \(endpoint) reset by peer"
        }
    }
}

/// A blocking stream socket (TCP or unix) whose every operation is bounded by a deadline:
/// the descriptor is non-blocking and each call waits in `poll` for at most the time left.
final class BlockingSocket {
    /// The peer.
    let endpoint: Endpoint
    private let descriptor: Int32

    private init(descriptor: Int32, endpoint: Endpoint) {
        self.descriptor = descriptor
        self.endpoint = endpoint
    }

    deinit { close(descriptor) }

    /// Connects to `endpoint` within `timeout`.
    static func connect(to endpoint: Endpoint, timeout: Duration = .seconds(5)) throws -> BlockingSocket {
        let deadline = ContinuousClock.now + timeout
        let address = try SocketAddress(endpoint)
        let descriptor = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError.system("socket", endpoint, errno: errno) }
        let connection = BlockingSocket(descriptor: descriptor, endpoint: endpoint)
        let result = address.withSockaddr { Glibc.connect(descriptor, $0, $1) }
        if result != 0 {
            let code = errno
            if code == ECONNREFUSED || code == ENOENT { throw SocketError.refused(endpoint) }
            guard code == EINPROGRESS || code == EAGAIN else { throw SocketError.system("connect", endpoint, errno: code) }
            try connection.waitFor(Int16(POLLOUT), until: deadline, what: "connect")
            var pending: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &pending, &length)
            if pending == ECONNREFUSED { throw SocketError.refused(endpoint) }
            guard pending == 0 else { throw SocketError.system("connect", endpoint, errno: pending) }
        }
        return connection
    }

    /// Sends every byte before `deadline`.
    func send(_ bytes: [UInt8], deadline: ContinuousClock.Instant) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                offset += sent
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == ECONNRESET || code == EPIPE { throw SocketError.reset(endpoint) }
            guard code == EAGAIN || code == EWOULDBLOCK else { throw SocketError.system("send", endpoint, errno: code) }
            try waitFor(Int16(POLLOUT), until: deadline, what: "send")
        }
    }

    /// Receives up to `maximum` bytes before `deadline`; an empty result means the peer closed.
    func receive(maximum: Int = 65536, deadline: ContinuousClock.Instant) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(buffer[0..<count]) }
            let code = errno
            if code == EINTR { continue }
            if code == ECONNRESET { throw SocketError.reset(endpoint) }
            guard code == EAGAIN || code == EWOULDBLOCK else { throw SocketError.system("recv", endpoint, errno: code) }
            try waitFor(Int16(POLLIN), until: deadline, what: "receive")
        }
    }

    /// Everything until the peer closes.
    func receiveToEnd(deadline: ContinuousClock.Instant) throws -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let chunk = try receive(deadline: deadline)
            if chunk.isEmpty { return all }
            all += chunk
        }
    }

    /// True when the peer has already closed (or reset) the connection: checked without
    /// waiting, before reusing a kept-alive connection.
    var isClosedByPeer: Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        let count = recv(descriptor, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Closes the sending direction (the peer reads end of file).
    func shutdownWrite() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    private func waitFor(_ events: Int16, until deadline: ContinuousClock.Instant, what: String) throws {
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw SocketError.timeout(what, endpoint) }
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let milliseconds = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1, 60_000))
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw SocketError.system("poll", endpoint, errno: errno) }
        }
    }
}
