import SocketSupport
import Foundation
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a unix datagram subscription socket on its own thread.
///
/// NIO's datagram channel drops every datagram whose sender address has no family, which is
/// what an unbound unix datagram sender produces, and real uWSGI nodes send from unbound
/// sockets. So unix listeners (paths and `@abstract`) are read here with `recvfrom(2)`;
/// `MSG_TRUNC` reports a datagram's real length, so oversize ones are detected exactly.
final class UnixDatagramReceiver: Sendable {
    private let fd: CInt
    private let wakeRead: CInt
    private let wakeWrite: CInt
    private let finished: ConditionLock<Bool>
    private let stopped = NIOLockedValueBox(false)

    /// Takes ownership of the bound socket `fd` and starts reading into `intake`.
    init(fd: CInt, intake: SubscriptionIntake) throws(RuntimeError) {
        var pipeFDs: [CInt] = [0, 0]
        guard pipe(&pipeFDs) == 0 else { throw .bindFailed(address: "pipe", reason: SocketPrimitives.lastError()) }
        self.fd = fd
        self.wakeRead = pipeFDs[0]
        self.wakeWrite = pipeFDs[1]
        self.finished = ConditionLock(value: false)
        let thread = Thread { [fd, wakeRead = pipeFDs[0], finished] in
            Self.loop(fd: fd, wake: wakeRead, intake: intake)
            finished.lock()
            finished.unlock(withValue: true)
        }
        thread.name = "subscription-unix"
        thread.start()
    }

    /// Stops the reader thread, waits for it, and closes the socket (once; later calls return).
    func stop() {
        let first = stopped.withLockedValue { wasStopped in
            defer { wasStopped = true }
            return !wasStopped
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        finished.lock(whenValue: true)
        finished.unlock()
        close(fd)
        close(wakeRead)
        close(wakeWrite)
    }

    private static func loop(fd: CInt, wake: CInt, intake: SubscriptionIntake) {
        let capacity = SubscriptionServer.receiveBufferSize
        var storage = [UInt8](repeating: 0, count: capacity)
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                intake.readFailed(RuntimeError.bindFailed(address: "poll", reason: SocketPrimitives.lastError()))
                return
            }
            if fds[1].revents != 0 { return }
            // Drain what is queued, then poll again.
            while true {
                var address = sockaddr_storage()
                var addressLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let size = storage.withUnsafeMutableBytes { raw in
                    withUnsafeMutablePointer(to: &address) { pointer in
                        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            recvfrom(fd, raw.baseAddress, capacity, Int32(MSG_DONTWAIT | MSG_TRUNC), $0, &addressLength)
                        }
                    }
                }
                if size < 0 {
                    if errno == EAGAIN || errno == EWOULDBLOCK { break }
                    if errno == EINTR { continue }
                    intake.readFailed(RuntimeError.bindFailed(address: "recvfrom", reason: SocketPrimitives.lastError()))
                    break
                }
                let kept = min(size, capacity)
                var buffer = ByteBuffer()
                buffer.writeBytes(storage[0..<kept])
                intake.take(buffer, size: size, sender: senderAddress(address, length: addressLength))
            }
        }
    }

    /// The sender's address when it had bound a path; nil for an unbound or abstract sender.
    private static func senderAddress(_ storage: sockaddr_storage, length: socklen_t) -> SocketAddress? {
        guard Int(length) > MemoryLayout<sa_family_t>.size, Int32(storage.ss_family) == AF_UNIX else { return nil }
        var copy = storage
        let unix = withUnsafePointer(to: &copy) { $0.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { $0.pointee } }
        let isAbstract = withUnsafeBytes(of: unix.sun_path) { $0.first == 0 }
        return isAbstract ? nil : SocketAddress(unix)
    }
}
