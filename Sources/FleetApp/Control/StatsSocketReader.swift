import FleetModel
import Glibc

/// Why a stats server could not be read.
public struct StatsReadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The address tried.
    public var address: String
    /// What went wrong (`connection refused`, `timed out`).
    public var problem: String

    /// Creates an error.
    public init(address: String, problem: String) {
        self.address = address
        self.problem = problem
    }

    /// `127.0.0.1:9191: connection refused`.
    public var description: String { "\(address): \(problem)" }
}

/// Reads one stats document with blocking sockets: connect, (for `http://` send a GET), read
/// to end of stream. A stopgap for `snapshot` and `watch --stats` until FleetClient's NIO poller
/// is linked in; callers run it off the cooperative pool (`SocketStatsControl`).
public enum StatsSocketReader {
    /// The largest document accepted (a 1,000-node router is about 0.5 MB).
    public static let maximumBytes = 64 << 20

    /// The raw bytes the stats server at `address` sends (the HTTP body for `http://`).
    public static func read(_ address: StatsAddress, timeout: Double) throws(StatsReadError) -> [UInt8] {
        let deadline = monotonicSeconds() + timeout
        let descriptor = try connect(address, deadline: deadline)
        defer { close(descriptor) }
        if case let .http(host, port, path) = address {
            let request = "GET \(path.isEmpty ? "/" : path) HTTP/1.0\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n"
            try send(Array(request.utf8), on: descriptor, address: address, deadline: deadline)
        }
        let bytes = try receiveAll(descriptor, address: address, deadline: deadline)
        guard address.isHTTP else { return bytes }
        return try httpBody(bytes, address: address)
    }

    private static func connect(_ address: StatsAddress, deadline: Double) throws(StatsReadError) -> Int32 {
        switch address {
        case let .tcp(host, port), let .http(host, port, _):
            return try connectTCP(host: host, port: port, address: address, deadline: deadline)
        case let .unix(path):
            return try connectUnix(path: Array(path.utf8), address: address, deadline: deadline)
        case let .abstract(name):
            return try connectUnix(path: [0] + Array(name.utf8), address: address, deadline: deadline)
        }
    }

    private static func connectTCP(host: String, port: UInt16, address: StatsAddress, deadline: Double) throws(StatsReadError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw StatsReadError(address: address.description, problem: "cannot resolve '\(host)': \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastProblem = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        // Bounded by the resolver's list.
        while let info = entry {
            entry = info.pointee.ai_next
            let descriptor = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { lastProblem = errnoText(); continue }
            do {
                try finishConnect(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen, address: address, deadline: deadline)
                return descriptor
            } catch {
                close(descriptor)
                lastProblem = error.problem
            }
        }
        throw StatsReadError(address: address.description, problem: lastProblem)
    }

    private static func connectUnix(path: [UInt8], address: StatsAddress, deadline: Double) throws(StatsReadError) -> Int32 {
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard path.count < capacity else {
            throw StatsReadError(address: address.description, problem: "socket path longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw StatsReadError(address: address.description, problem: errnoText()) }
        do {
            try withUnsafePointer(to: &storage) { pointer throws(StatsReadError) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw throws(StatsReadError) in
                    try finishConnect(descriptor, raw, length, address: address, deadline: deadline)
                }
            }
        } catch {
            close(descriptor)
            throw error
        }
        return descriptor
    }

    /// Connects without blocking past the deadline, then leaves the socket non-blocking.
    private static func finishConnect(
        _ descriptor: Int32, _ target: UnsafePointer<sockaddr>?, _ length: socklen_t, address: StatsAddress, deadline: Double
    ) throws(StatsReadError) {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        if Glibc.connect(descriptor, target, length) == 0 { return }
        guard errno == EINPROGRESS else { throw StatsReadError(address: address.description, problem: errnoText()) }
        try wait(descriptor, events: Int16(POLLOUT), address: address, deadline: deadline, doing: "connect")
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &size)
        guard error == 0 else { throw StatsReadError(address: address.description, problem: String(cString: strerror(error))) }
    }

    private static func send(_ bytes: [UInt8], on descriptor: Int32, address: StatsAddress, deadline: Double) throws(StatsReadError) {
        var offset = 0
        // Each pass writes at least one byte or waits toward the deadline.
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 { offset += written; continue }
            guard written < 0, errno == EAGAIN || errno == EINTR else {
                throw StatsReadError(address: address.description, problem: errnoText())
            }
            try wait(descriptor, events: Int16(POLLOUT), address: address, deadline: deadline, doing: "send")
        }
    }

    private static func receiveAll(_ descriptor: Int32, address: StatsAddress, deadline: Double) throws(StatsReadError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        // Each pass reads at least one byte, reaches end of stream, or waits toward the deadline.
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { return bytes }
            if count > 0 {
                bytes.append(contentsOf: chunk[0..<count])
                guard bytes.count <= maximumBytes else {
                    throw StatsReadError(address: address.description, problem: "document larger than \(maximumBytes >> 20) MiB")
                }
                continue
            }
            guard errno == EAGAIN || errno == EINTR else {
                throw StatsReadError(address: address.description, problem: errnoText())
            }
            try wait(descriptor, events: Int16(POLLIN), address: address, deadline: deadline, doing: "read")
        }
    }

    private static func wait(_ descriptor: Int32, events: Int16, address: StatsAddress, deadline: Double, doing: String) throws(StatsReadError) {
        let remaining = deadline - monotonicSeconds()
        guard remaining > 0 else { throw StatsReadError(address: address.description, problem: "\(doing) timed out") }
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        let ready = poll(&entry, 1, Int32(min(remaining * 1000, Double(Int32.max)).rounded(.up)))
        if ready == 0 { throw StatsReadError(address: address.description, problem: "\(doing) timed out") }
        if ready < 0 && errno != EINTR { throw StatsReadError(address: address.description, problem: errnoText()) }
    }

    private static func httpBody(_ bytes: [UInt8], address: StatsAddress) throws(StatsReadError) -> [UInt8] {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.first(where: { index in
            index + 4 <= bytes.count && bytes[index..<index + 4].elementsEqual(separator)
        }) else {
            throw StatsReadError(address: address.description, problem: "HTTP reply without a complete header")
        }
        let statusLine = String(decoding: bytes[..<(bytes[..<end].firstIndex(of: 13) ?? end)], as: UTF8.self)
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), parts[1] == "200" else {
            throw StatsReadError(address: address.description, problem: "HTTP reply '\(statusLine)', expected 200")
        }
        return Array(bytes[(end + 4)...])
    }

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
