import RouterConfig
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

    /// Takes ownership of the bound socket `fd` and starts reading into `intake`; with
    /// `passCredentials`, each datagram carries its sender's kernel-reported credentials.
    init(fd: CInt, intake: SubscriptionIntake, passCredentials: Bool = false) throws(RuntimeError) {
        if passCredentials {
            var on: CInt = 1
            guard setsockopt(fd, SOL_SOCKET, PeerCredentials.passCredentialsOption, &on, socklen_t(MemoryLayout<CInt>.size)) == 0 else {
                let reason = SocketPrimitives.lastError()
                close(fd)
                throw .bindFailed(address: "SO_PASSCRED", reason: reason)
            }
        }
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
                var control = [UInt8](repeating: 0, count: controlCapacity)
                var controlLength = 0
                var addressLength = socklen_t(0)
                let size = storage.withUnsafeMutableBytes { raw in
                    control.withUnsafeMutableBytes { controlBytes in
                        withUnsafeMutablePointer(to: &address) { addressPointer in
                            var vector = iovec(iov_base: raw.baseAddress, iov_len: capacity)
                            return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                                var message = msghdr()
                                message.msg_name = UnsafeMutableRawPointer(addressPointer)
                                message.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                                message.msg_iov = vectorPointer
                                message.msg_iovlen = 1
                                message.msg_control = controlBytes.baseAddress
                                message.msg_controllen = controlBytes.count
                                let received = recvmsg(fd, &message, Int32(MSG_DONTWAIT | MSG_TRUNC))
                                addressLength = message.msg_namelen
                                controlLength = Int(message.msg_controllen)
                                return received
                            }
                        }
                    }
                }
                if size < 0 {
                    if errno == EAGAIN || errno == EWOULDBLOCK { break }
                    if errno == EINTR { continue }
                    intake.readFailed(RuntimeError.bindFailed(address: "recvmsg", reason: SocketPrimitives.lastError()))
                    break
                }
                let kept = min(size, capacity)
                var buffer = ByteBuffer()
                buffer.writeBytes(storage[0..<kept])
                let credentials = Self.credentials(in: control[0..<min(controlLength, control.count)])
                intake.take(buffer, size: size, sender: senderAddress(address, length: addressLength), credentials: credentials)
            }
        }
    }

    /// Room for one `SCM_CREDENTIALS` message (a 16-byte header and a 12-byte `ucred`, aligned).
    private static let controlCapacity = 64

    /// The `SCM_CREDENTIALS` payload in a control buffer, if there is one. Walks the `cmsghdr`
    /// list by hand (the CMSG_* macros do not reach Swift): length (size_t), level and type
    /// (int), then the data at the header size rounded up to size_t alignment.
    static func credentials(in control: ArraySlice<UInt8>) -> PeerCredentials? {
        let bytes = Array(control)
        let word = MemoryLayout<Int>.size
        let headerSize = (MemoryLayout<Int>.size + 2 * MemoryLayout<CInt>.size + word - 1) / word * word
        var offset = 0
        while offset + headerSize <= bytes.count {
            let length = bytes.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: offset, as: UInt.self)) }
            let level = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + word, as: CInt.self) }
            let type = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + word + 4, as: CInt.self) }
            guard length >= headerSize, length <= bytes.count - offset else { return nil }
            if level == SOL_SOCKET && type == PeerCredentials.credentialsMessageType && length >= headerSize + 12 {
                return bytes.withUnsafeBytes { raw in
                    PeerCredentials(
                        pid: raw.loadUnaligned(fromByteOffset: offset + headerSize, as: Int32.self),
                        uid: raw.loadUnaligned(fromByteOffset: offset + headerSize + 4, as: UInt32.self),
                        gid: raw.loadUnaligned(fromByteOffset: offset + headerSize + 8, as: UInt32.self))
                }
            }
            offset += (length + word - 1) / word * word
        }
        return nil
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
