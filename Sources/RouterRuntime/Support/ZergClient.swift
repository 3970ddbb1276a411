import RouterConfig
import SocketSupport

#if canImport(Glibc)
import Glibc
#endif

/// The zerg side of uWSGI's zerg protocol (`--xxx-zerg PATH`): connect to the zerg server's
/// unix socket and receive its listening sockets in one message, `uwsgi-zerg` + the socket
/// count (a native int) with the descriptors as `SCM_RIGHTS`. Like uWSGI, room is made for 8;
/// a server announcing more is asked again with room for all of them.
enum ZergClient {
    /// The message tag.
    static let tag = Array("uwsgi-zerg".utf8)
    /// Descriptors there is room for at first (uWSGI's count).
    static let initialRoom = 8
    /// Most descriptors accepted from one server.
    static let maximumRoom = 1024
    /// Deadline for each connect and receive.
    static let timeoutSeconds = 10

    /// What one received message holds.
    enum Message: Equatable {
        /// The descriptors sent.
        case descriptors([CInt])
        /// The server has `count` sockets, more than there was room for: ask again.
        case needsRoom(Int)
        /// Not a zerg message; the reason names what was wrong.
        case invalid(String)
    }

    /// Decodes a received message: `payload` is the bytes read (at most tag + int), `control`
    /// the control buffer as filled, `room` the descriptors there was room for.
    static func decode(payload: [UInt8], control: [UInt8], room: Int) -> Message {
        guard payload.count >= tag.count, Array(payload.prefix(tag.count)) == tag else {
            return .invalid("the reply does not start with 'uwsgi-zerg'")
        }
        if payload.count == tag.count + 4 {
            let announced = payload.suffix(4).withUnsafeBytes { Int(CInt(littleEndian: $0.loadUnaligned(as: CInt.self))) }
            guard announced >= 0, announced <= maximumRoom else { return .invalid("the server announces \(announced) sockets") }
            if announced > room { return .needsRoom(announced) }
        }
        let word = MemoryLayout<Int>.size
        let header = (word + 2 * MemoryLayout<CInt>.size + word - 1) / word * word
        guard control.count >= header else { return .invalid("no descriptors were sent") }
        let length = control.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: 0, as: UInt.self)) }
        let level = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: word, as: CInt.self) }
        let type = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: word + 4, as: CInt.self) }
        guard level == SOL_SOCKET, type == CInt(SCM_RIGHTS), length >= header, length <= control.count else {
            return .invalid("no descriptors were sent")
        }
        let count = (length - header) / MemoryLayout<CInt>.size
        let descriptors = (0..<count).map { index in
            control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: header + index * MemoryLayout<CInt>.size, as: CInt.self) }
        }
        return descriptors.isEmpty ? .invalid("no descriptors were sent") : .descriptors(descriptors)
    }

    /// Receives the listening sockets of the zerg server at `path` (close-on-exec). The error
    /// names the option and path.
    static func receive(from path: String, option: String) throws(RuntimeError) -> [CInt] {
        var room = initialRoom
        for _ in 0..<2 {
            switch try receiveOnce(from: path, option: option, room: room) {
            case .descriptors(let fds): return fds
            case .needsRoom(let count): room = count
            case .invalid(let reason): throw .bindFailed(address: "\(option) \(path)", reason: "invalid data from the zerg server: \(reason)")
            }
        }
        throw .bindFailed(address: "\(option) \(path)", reason: "the zerg server's socket count keeps changing")
    }

    private static func receiveOnce(from path: String, option: String, room: Int) throws(RuntimeError) -> Message {
        let name = "\(option) \(path)"
        let fd = socket(AF_UNIX, SocketPrimitives.streamType | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .bindFailed(address: name, reason: SocketPrimitives.lastError()) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw .bindFailed(address: name, reason: "the path is too long for a unix socket")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { for (index, byte) in bytes.enumerated() { $0[index] = byte } }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw .bindFailed(address: name, reason: "cannot connect to the zerg server: \(SocketPrimitives.lastError())") }
        var payload = [UInt8](repeating: 0, count: tag.count + 4)
        let word = MemoryLayout<Int>.size
        let header = (word + 2 * MemoryLayout<CInt>.size + word - 1) / word * word
        var control = [UInt8](repeating: 0, count: header + (room * MemoryLayout<CInt>.size + word - 1) / word * word)
        var received = 0
        var controlLength = 0
        payload.withUnsafeMutableBytes { payloadBytes in
            control.withUnsafeMutableBytes { controlBytes in
                var vector = iovec(iov_base: payloadBytes.baseAddress, iov_len: payloadBytes.count)
                withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    repeat { received = recvmsg(fd, &message, CInt(MSG_CMSG_CLOEXEC)) } while received < 0 && errno == EINTR
                    controlLength = Int(message.msg_controllen)
                }
            }
        }
        guard received > 0 else {
            throw .bindFailed(address: name, reason: received == 0 ? "the zerg server closed without sending sockets" : "receive: \(SocketPrimitives.lastError())")
        }
        let outcome = decode(payload: Array(payload.prefix(received)), control: Array(control.prefix(controlLength)), room: room)
        if case .descriptors = outcome { return outcome }
        // Descriptors that came with a message not used are closed, never leaked.
        if case .descriptors(let stray) = decode(payload: tag + [0, 0, 0, 0], control: Array(control.prefix(controlLength)), room: maximumRoom) {
            for descriptor in stray { close(descriptor) }
        }
        return outcome
    }
}
