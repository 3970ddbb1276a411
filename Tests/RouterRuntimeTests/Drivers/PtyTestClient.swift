import CNIOLinux
import Foundation
import NIOCore
import RouterWire

#if canImport(Glibc)
import Glibc
#endif

/// A blocking forkpty client over TCP loopback or a unix socket, for tests: sends raw bytes or
/// frames and reads until the output contains a text, every read bounded by a deadline.
final class PtyTestClient: @unchecked Sendable {
    // @unchecked: a test hands the client from one blocking section to the next; it is never
    // used by two threads at once.
    enum Failure: Error, CustomStringConvertible {
        case connect(String)
        case timeout(waitingFor: String, got: String)
        case closed(waitingFor: String, got: String)

        var description: String {
            switch self {
            case .connect(let reason): "connect: \(reason)"
            case .timeout(let text, let got): "timed out waiting for \(text.debugDescription); output so far: \(got.debugDescription)"
            case .closed(let text, let got): "closed while waiting for \(text.debugDescription); output so far: \(got.debugDescription)"
            }
        }
    }

    private let fd: CInt
    /// Everything read so far.
    private(set) var output: [UInt8] = []

    /// Connects to `127.0.0.1:port`.
    convenience init(port: Int) throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        try self.init(family: AF_INET) { fd in
            address.withSockAddr { Glibc.connect(fd, $0, socklen_t($1)) }
        }
    }

    /// Connects to the unix socket at `path`.
    convenience init(unixPath path: String) throws {
        let address = try SocketAddress(unixDomainSocketPath: path)
        try self.init(family: AF_UNIX) { fd in
            address.withSockAddr { Glibc.connect(fd, $0, socklen_t($1)) }
        }
    }

    private init(family: CInt, connect: (CInt) -> CInt) throws {
        fd = socket(family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure.connect(String(cString: strerror(errno))) }
        guard connect(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure.connect(reason)
        }
    }

    deinit { close(fd) }

    /// Sends bytes as they are.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure.closed(waitingFor: "a send", got: text) }
            offset += n
        }
    }

    /// Sends forkpty frames.
    func send(_ frames: ForkptyFrame...) throws {
        var buffer = ByteBuffer()
        for frame in frames { try ForkptyFrameEncoder.write(frame, into: &buffer) }
        try send(Array(buffer.readableBytesView))
    }

    /// Sends `line` framed as input.
    func sendFramed(_ line: String) throws {
        try send(.input(ByteBuffer(string: line)))
    }

    /// The output as text.
    var text: String { String(decoding: output, as: UTF8.self) }

    /// Reads until the output contains `needle` (after `from` bytes), within `seconds`.
    @discardableResult
    func read(until needle: String, from start: Int = 0, seconds: Double = 10) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let tail = String(decoding: output.dropFirst(start), as: UTF8.self)
            if tail.contains(needle) { return tail }
            guard try fill(until: deadline) else { throw Failure.closed(waitingFor: needle, got: text) }
        }
    }

    /// Reads until the peer closes, within `seconds`; returns the whole output.
    func readToEnd(seconds: Double = 10) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while try fill(until: deadline) {}
        return text
    }

    /// Reads what arrives before `deadline`; false at end of stream (or a reset).
    private func fill(until deadline: Date) throws -> Bool {
        let remaining = deadline.timeIntervalSinceNow
        guard remaining > 0 else { throw Failure.timeout(waitingFor: "output", got: text) }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, CInt(min(remaining, 60) * 1000) + 1)
        if ready == 0 { throw Failure.timeout(waitingFor: "output", got: text) }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { return false }
        output += chunk[0..<n]
        return true
    }
}
