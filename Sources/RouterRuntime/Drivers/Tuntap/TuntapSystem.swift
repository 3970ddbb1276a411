import CLeanSockets
import RouterConfig
import RouterWire
import SocketSupport

#if canImport(Glibc)
import Glibc
#endif

/// The system calls of the tuntap router and device, on raw descriptors: the TUN device, the
/// peers' unix stream sockets, the gateway's UDP socket and SCM_CREDENTIALS.
enum TuntapSystem {
    /// A failed call, with what it was about.
    struct Failure: Error, CustomStringConvertible {
        /// `open /dev/net/tun: Permission denied`.
        let description: String

        init(_ call: String, errno code: CInt = errno) {
            description = "\(call): \(String(cString: strerror(code)))"
        }
    }

    /// `TUNSETIFF` (`_IOW('T', 202, int)`), which Glibc's module does not import.
    private static let tunSetInterface: UInt = 0x4004_54ca
    private static let iffTun: UInt16 = 0x0001
    private static let iffNoPI: UInt16 = 0x1000
    /// The message a credentials-passing peer sends with its SCM_CREDENTIALS (uWSGI's).
    static let credentialsMessage = Array("uwsgi-tuntap".utf8)

    /// Opens (creating when needed) the TUN device `name` with IFF_TUN | IFF_NO_PI, non-blocking.
    static func openDevice(_ name: String) throws(Failure) -> CInt {
        let bytes = Array(name.utf8)
        guard (1...15).contains(bytes.count) else { throw Failure("TUN device name '\(name)'", errno: EINVAL) }
        let fd = Glibc.open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw Failure("open /dev/net/tun") }
        // struct ifreq: the name in 16 bytes, then the flags (a short) in the union.
        var request = [UInt8](repeating: 0, count: 40)
        for (index, byte) in bytes.enumerated() { request[index] = byte }
        let flags = iffTun | iffNoPI
        request[16] = UInt8(flags & 0xff)
        request[17] = UInt8(flags >> 8)
        let result = request.withUnsafeMutableBytes { ioctl(fd, tunSetInterface, $0.baseAddress!) }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Failure("ioctl TUNSETIFF \(name)", errno: code)
        }
        return fd
    }

    /// Calls `body` with the `sockaddr_un` of a unix path or abstract name.
    private static func withUnixAddress<R>(_ endpoint: UwsgiAddress.Endpoint, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) throws(Failure) -> R {
        switch endpoint {
        case .abstract(let name):
            return SocketPrimitives.withAbstractAddress(name, body)
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count <= UwsgiAddress.maximumUnixPathLength else { throw Failure("unix path \(path)", errno: ENAMETOOLONG) }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in bytes.enumerated() { raw[index] = byte }
            }
            return withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        default:
            throw Failure("a unix socket address", errno: EAFNOSUPPORT)
        }
    }

    /// Binds and listens on a unix stream socket (a stale path is removed first), non-blocking.
    static func listenUnix(_ endpoint: UwsgiAddress.Endpoint, passCredentials: Bool) throws(Failure) -> CInt {
        if case .unix(let path) = endpoint { unlink(path) }
        let fd = lean_stream_socket(AF_UNIX)
        guard fd >= 0 else { throw Failure("socket") }
        if passCredentials { _ = lean_set_int_option(fd, SOL_SOCKET, SO_PASSCRED, 1) }
        let bound = try withUnixAddress(endpoint) { Glibc.bind(fd, $0, $1) }
        guard bound == 0, listen(fd, 128) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Failure("bind \(endpoint)", errno: code)
        }
        return fd
    }

    /// Connects a unix stream socket (blocking), then makes it non-blocking.
    static func connectUnix(_ path: String) throws(Failure) -> CInt {
        let endpoint: UwsgiAddress.Endpoint = path.hasPrefix("@") ? .abstract(name: String(path.dropFirst())) : .unix(path: path)
        let fd = socket(AF_UNIX, SocketPrimitives.streamType | SOCK_CLOEXEC_VALUE, 0)
        guard fd >= 0 else { throw Failure("socket") }
        let connected = try withUnixAddress(endpoint) { Glibc.connect(fd, $0, $1) }
        guard connected == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Failure("connect \(path)", errno: code)
        }
        return fd
    }

    private static var SOCK_CLOEXEC_VALUE: CInt { CInt(SOCK_CLOEXEC.rawValue) }

    /// Makes `fd` non-blocking.
    static func setNonBlocking(_ fd: CInt) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// Calls `body` with a `sockaddr_in` for `address:port` (host byte order), laid out by hand:
    /// which module owns the struct's members differs between debug and release builds.
    private static func withInetAddress<R>(_ address: UInt32, port: UInt16, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var bytes = [UInt8](repeating: 0, count: 16)
        withUnsafeBytes(of: sa_family_t(AF_INET)) { family in
            for (index, byte) in family.enumerated() { bytes[index] = byte }
        }
        withUnsafeBytes(of: port.bigEndian) { bytes.replaceSubrange(2..<4, with: $0) }
        withUnsafeBytes(of: address.bigEndian) { bytes.replaceSubrange(4..<8, with: $0) }
        return bytes.withUnsafeBytes { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
    }

    /// Binds a non-blocking UDP socket on `host:port` (IPv4; an empty host is every address).
    static func bindUDP(host: String, port: Int) throws(Failure) -> CInt {
        guard let address = host.isEmpty ? 0 : TuntapAddressMatch.ipv4(host), let port = UInt16(exactly: port) else {
            throw Failure("gateway address \(host):\(port) (an IPv4 ip:port)", errno: EINVAL)
        }
        let fd = socket(AF_INET, SocketPrimitives.datagramType | SOCK_CLOEXEC_VALUE, 0)
        guard fd >= 0 else { throw Failure("socket") }
        let bound = withInetAddress(address, port: port) { Glibc.bind(fd, $0, $1) }
        guard bound == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Failure("bind udp \(TuntapAddressMatch.dotted(address)):\(port)", errno: code)
        }
        setNonBlocking(fd)
        return fd
    }

    /// The port an IPv4 socket is bound to.
    static func boundPort(_ fd: CInt) -> Int {
        var bytes = [UInt8](repeating: 0, count: 16)
        var length = socklen_t(bytes.count)
        _ = bytes.withUnsafeMutableBytes { raw in
            getsockname(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
        }
        return Int(bytes[2]) << 8 | Int(bytes[3])
    }

    /// Sends one datagram to `address:port` (host byte order); false when the kernel refused it.
    static func sendDatagram(_ fd: CInt, _ bytes: UnsafeRawBufferPointer, address: UInt32, port: UInt16) -> Bool {
        let sent = withInetAddress(address, port: port) { sendto(fd, bytes.baseAddress, bytes.count, CInt(MSG_DONTWAIT), $0, $1) }
        return sent == bytes.count
    }

    /// Layout of `struct cmsghdr` + `struct ucred` on 64-bit Linux.
    private static let controlHeader = 16
    private static let credentialsSize = 12
    private static let scmCredentials: CInt = 2

    /// Reads a peer's first message, `uwsgi-tuntap` with SCM_CREDENTIALS: nil when it carried
    /// none, `.again` when nothing has arrived yet.
    enum CredentialsRead {
        case again
        case closed
        case received(TuntapRouterStateMachine.Credentials?)
    }

    static func receiveCredentials(_ fd: CInt) -> CredentialsRead {
        var message = [UInt8](repeating: 0, count: credentialsMessage.count)
        // Room for SCM_CREDENTIALS and too little beyond for a descriptor a peer passes, which
        // the kernel then discards instead of installing it here.
        var control = [UInt64](repeating: 0, count: (lean_credentials_control_room() + 7) / 8)
        let received = withMessage(&message, &control, controlLength: control.count * 8) { header in
            let received = recvmsg(fd, &header, CInt(MSG_DONTWAIT | MSG_CMSG_CLOEXEC))
            // Any descriptor that still came would stay open in this process: close it.
            if received >= 0 { _ = lean_close_passed_descriptors(header.msg_control, header.msg_controllen) }
            return received
        }
        if received < 0 { return errno == EAGAIN || errno == EWOULDBLOCK ? .again : .closed }
        if received == 0 { return .closed }
        guard received == message.count, message == credentialsMessage else { return .received(nil) }
        return control.withUnsafeBytes { raw -> CredentialsRead in
            let length = raw.load(fromByteOffset: 0, as: Int.self)
            let level = raw.load(fromByteOffset: 8, as: CInt.self)
            let type = raw.load(fromByteOffset: 12, as: CInt.self)
            guard length >= controlHeader + credentialsSize, level == SOL_SOCKET, type == scmCredentials else { return .received(nil) }
            return .received(.init(
                pid: raw.load(fromByteOffset: controlHeader, as: Int32.self),
                uid: raw.load(fromByteOffset: controlHeader + 4, as: UInt32.self),
                gid: raw.load(fromByteOffset: controlHeader + 8, as: UInt32.self)))
        }
    }

    /// Calls `body` with a `msghdr` over one iovec of `message` and `controlLength` bytes of `control`.
    private static func withMessage(
        _ message: inout [UInt8], _ control: inout [UInt64], controlLength: Int, _ body: (inout msghdr) -> Int
    ) -> Int {
        message.withUnsafeMutableBytes { messageBytes in
            control.withUnsafeMutableBytes { controlBytes in
                var vector = iovec(iov_base: messageBytes.baseAddress, iov_len: messageBytes.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var header = msghdr()
                    header.msg_iov = vectorPointer
                    header.msg_iovlen = 1
                    header.msg_control = controlBytes.baseAddress
                    header.msg_controllen = controlLength
                    return body(&header)
                }
            }
        }
    }

    /// Sends `uwsgi-tuntap` with this process's SCM_CREDENTIALS (the device side of
    /// `--tuntap-use-credentials`).
    static func sendCredentials(_ fd: CInt) throws(Failure) {
        var message = credentialsMessage
        var control = [UInt64](repeating: 0, count: 4)
        control.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: controlHeader + credentialsSize, toByteOffset: 0, as: Int.self)
            raw.storeBytes(of: SOL_SOCKET, toByteOffset: 8, as: CInt.self)
            raw.storeBytes(of: scmCredentials, toByteOffset: 12, as: CInt.self)
            raw.storeBytes(of: getpid(), toByteOffset: controlHeader, as: Int32.self)
            raw.storeBytes(of: getuid(), toByteOffset: controlHeader + 4, as: UInt32.self)
            raw.storeBytes(of: getgid(), toByteOffset: controlHeader + 8, as: UInt32.self)
        }
        let sent = withMessage(&message, &control, controlLength: (controlHeader + credentialsSize + 7) & ~7) {
            sendmsg(fd, &$0, CInt(MSG_NOSIGNAL))
        }
        guard sent == credentialsMessage.count else { throw Failure("sendmsg SCM_CREDENTIALS") }
    }
}
