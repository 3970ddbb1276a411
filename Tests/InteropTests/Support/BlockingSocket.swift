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

/// A `sockaddr` built from an `Endpoint` (IPv4, IPv6 or unix, abstract included).
struct SocketAddress {
    /// AF_INET, AF_INET6 or AF_UNIX.
    let family: Int32
    private var storage = sockaddr_storage()
    private let length: socklen_t

    init(_ endpoint: Endpoint) throws {
        switch endpoint {
        case .inet(let host, let port):
            if host.contains(":") {
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = port.bigEndian
                guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else {
                    throw InteropError("endpoint \(endpoint): '\(host)' is not an IPv6 literal")
                }
                family = AF_INET6
                length = socklen_t(MemoryLayout<sockaddr_in6>.size)
                withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: address) { raw.copyMemory(from: $0) } }
            } else {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = port.bigEndian
                guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
                    throw InteropError("endpoint \(endpoint): '\(host)' is not an IPv4 literal (the tests use loopback addresses only)")
                }
                family = AF_INET
                length = socklen_t(MemoryLayout<sockaddr_in>.size)
                withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: address) { raw.copyMemory(from: $0) } }
            }
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(path.utf8)
            let abstract = bytes.first == UInt8(ascii: "@")
            if abstract { bytes[0] = 0 }
            let capacity = MemoryLayout.size(ofValue: address.sun_path)
            guard bytes.count < capacity else {
                throw InteropError("unix socket path '\(path)' is \(bytes.count) bytes; at most \(capacity - 1) fit")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: bytes)
            }
            family = AF_UNIX
            let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
            // An abstract name is exactly its bytes; a path also counts its terminating zero.
            length = socklen_t(pathOffset + bytes.count + (abstract ? 0 : 1))
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: address) { raw.copyMemory(from: $0) } }
        }
    }

    /// Calls `body` with the address and its length.
    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) rethrows -> T {
        try withUnsafePointer(to: storage) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, length) }
        }
    }
}
