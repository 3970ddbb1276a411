import CLeanSockets
import SocketSupport
import Testing
@testable import RouterRuntime

#if canImport(Glibc)
import Glibc
#endif

/// A pipe whose write end travels to a reader in a message's `SCM_RIGHTS`: once every copy of
/// it is closed, the read end reads end-of-file, so a copy the reader kept shows.
struct PassedDescriptor: ~Copyable {
    /// The end this test keeps.
    let readEnd: CInt
    private var writeEnd: CInt

    /// A close-on-exec pipe: a child another test spawns meanwhile must not hold a copy for long.
    init() throws {
        var readEnd: CInt = -1
        var writeEnd: CInt = -1
        try #require(lean_pipe(&readEnd, &writeEnd) == 0)
        self.readEnd = readEnd
        self.writeEnd = writeEnd
    }

    deinit {
        close(readEnd)
        if writeEnd >= 0 { close(writeEnd) }
    }

    /// Sends `bytes` on `socket` (to the unix socket at `path`, for an unconnected datagram
    /// socket) with the write end attached, then closes this process's own copy: the only one
    /// left is in flight. Returns what `sendmsg` returned.
    mutating func send(_ bytes: [UInt8], on socket: CInt, to path: String? = nil) -> Int {
        var message = bytes
        let space = MemoryLayout<cmsghdr>.size + 8  // CMSG_SPACE(sizeof(int))
        let control = UnsafeMutableRawPointer.allocate(byteCount: space, alignment: 8)
        defer { control.deallocate() }
        control.initializeMemory(as: UInt8.self, repeating: 0, count: space)
        let header = control.bindMemory(to: cmsghdr.self, capacity: 1)
        header.pointee.cmsg_len = MemoryLayout<cmsghdr>.size + 4  // CMSG_LEN(sizeof(int))
        header.pointee.cmsg_level = SOL_SOCKET
        header.pointee.cmsg_type = CInt(SCM_RIGHTS)
        control.storeBytes(of: writeEnd, toByteOffset: MemoryLayout<cmsghdr>.size, as: CInt.self)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { room in
            for (index, byte) in (path ?? "").utf8.prefix(room.count - 1).enumerated() { room[index] = byte }
        }
        let sent = message.withUnsafeMutableBytes { bytes -> Int in
            var vector = iovec(iov_base: bytes.baseAddress, iov_len: bytes.count)
            return withUnsafeMutablePointer(to: &vector) { vector in
                withUnsafeMutablePointer(to: &address) { address in
                    var header = msghdr()
                    if path != nil {
                        header.msg_name = UnsafeMutableRawPointer(address)
                        header.msg_namelen = socklen_t(MemoryLayout<sockaddr_un>.size)
                    }
                    header.msg_iov = vector
                    header.msg_iovlen = 1
                    header.msg_control = control
                    header.msg_controllen = space
                    return sendmsg(socket, &header, 0)
                }
            }
        }
        close(writeEnd)
        writeEnd = -1
        return sent
    }

    /// Sends `bytes` from a new unbound unix datagram socket to the socket at `path`, with the
    /// write end attached (see `send(_:on:to:)`).
    mutating func sendDatagram(_ bytes: [UInt8], to path: String) throws {
        let sender = socket(AF_UNIX, SocketPrimitives.datagramType, 0)
        try #require(sender >= 0)
        defer { close(sender) }
        let sent = send(bytes, on: sender, to: path)
        try #require(sent == bytes.count)
    }

    /// Whether every copy of the write end is closed: end-of-file shows at once, a kept copy
    /// waits out 10 s. (A child forked by another test may hold a copy until its exec, hence a
    /// wait, not one read.)
    func isClosedEverywhere() -> Bool {
        var hangup = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        guard poll(&hangup, 1, 10_000) == 1 else { return false }
        var byte: UInt8 = 0
        return read(readEnd, &byte, 1) == 0
    }
}

@Suite("Descriptors passed by peers")
struct PassedDescriptorTests {
    @Test("a subscription batch's control room holds what its socket reports and too little beyond for one passed descriptor, so the kernel discards them uninstalled")
    func controlRoomLeavesNoPlaceForDescriptors() throws {
        let descriptorEntry = MemoryLayout<cmsghdr>.size + MemoryLayout<CInt>.size  // CMSG_LEN(sizeof(int))
        let credentialsEntry = MemoryLayout<cmsghdr>.size + 16  // CMSG_SPACE(sizeof(struct ucred))
        let udp = socket(AF_INET, SocketPrimitives.datagramType, 0)
        try #require(udp >= 0)
        defer { close(udp) }
        // SO_RXQ_OVFL and UDP_GRO, each CMSG_SPACE(4) (UDP carries no descriptors).
        #expect(lean_datagram_control_room(udp) == 2 * (MemoryLayout<cmsghdr>.size + 8))
        var pair: [CInt] = [-1, -1]
        try #require(socketpair(AF_UNIX, SocketPrimitives.datagramType, 0, &pair) == 0)
        defer {
            close(pair[0])
            close(pair[1])
        }
        #expect(lean_datagram_control_room(pair[0]) < descriptorEntry)
        try #require(lean_set_int_option(pair[1], SOL_SOCKET, PeerCredentials.passCredentialsOption, 1) == 0)
        let withCredentials = lean_datagram_control_room(pair[1])
        #expect(withCredentials >= credentialsEntry)
        #expect(withCredentials - credentialsEntry < descriptorEntry)
    }

    @Test("a unix datagram with credentials and a descriptor, read with the batch's room: the credentials come, the descriptor is discarded uninstalled")
    func credentialsKeptDescriptorsDiscarded() async throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let path = "\(dir)/sub.sock"
        let fd = try PosixSocket.boundPathDatagramSocket(path: path, configured: path)
        try #require(lean_set_int_option(fd, SOL_SOCKET, PeerCredentials.passCredentialsOption, 1) == 0)
        defer { close(fd) }
        var passed = try PassedDescriptor()
        try passed.sendDatagram(Array("junk".utf8), to: path)
        // Read it as a batch reads it, with the room the batch would have.
        let room = lean_datagram_control_room(fd)
        let control = UnsafeMutableRawPointer.allocate(byteCount: max(room, 1), alignment: 8)
        defer { control.deallocate() }
        var bytes = [UInt8](repeating: 0, count: 64)
        var header = msghdr()
        let received = bytes.withUnsafeMutableBytes { buffer -> Int in
            var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
            return withUnsafeMutablePointer(to: &vector) { vector in
                header.msg_iov = vector
                header.msg_iovlen = 1
                header.msg_control = control
                header.msg_controllen = room
                return recvmsg(fd, &header, CInt(MSG_CMSG_CLOEXEC))
            }
        }
        #expect(received == 4)
        // The kernel reports the descriptors it could not place; none was installed.
        #expect(header.msg_flags & CInt(MSG_CTRUNC) != 0)
        var types: [CInt] = []
        var offset = 0
        while offset + MemoryLayout<cmsghdr>.size <= header.msg_controllen {
            let entry = control.load(fromByteOffset: offset, as: cmsghdr.self)
            guard entry.cmsg_len >= MemoryLayout<cmsghdr>.size else { break }
            types.append(entry.cmsg_type)
            offset += (entry.cmsg_len + 7) & ~7
        }
        #expect(types == [2])  // SCM_CREDENTIALS alone
        // Nothing to close: the write end's only copy went with the discarded message.
        #expect(lean_close_passed_descriptors(header.msg_control, header.msg_controllen) == 0)
        let closed = passed.isClosedEverywhere()
        #expect(closed)
    }

    @Test("a tuntap peer's first message: descriptors it passes are closed as it is read")
    func tuntapPeerDescriptorsClosed() throws {
        var pair: [CInt] = [-1, -1]
        try #require(socketpair(AF_UNIX, SocketPrimitives.streamType, 0, &pair) == 0)
        defer {
            close(pair[0])
            close(pair[1])
        }
        var passed = try PassedDescriptor()
        let sent = passed.send(TuntapSystem.credentialsMessage, on: pair[0])
        #expect(sent == TuntapSystem.credentialsMessage.count)
        guard case .received = TuntapSystem.receiveCredentials(pair[1]) else {
            Issue.record("the message was not read")
            return
        }
        let closed = passed.isClosedEverywhere()
        #expect(closed, "the passed write end is still open after 10 s")
    }
}
