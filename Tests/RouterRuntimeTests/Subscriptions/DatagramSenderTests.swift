import NIOCore
import Testing
@testable import RouterRuntime
#if canImport(Glibc)
import Glibc
#endif

extension DatagramSender {
    /// `address` as the receiver gets it from the kernel: its `sockaddr` bytes and length.
    init(raw address: SocketAddress) {
        self = address.withSockAddr { pointer, length in DatagramSender(UnsafeRawPointer(pointer), length: UInt32(length)) }
    }
}

@Suite("a datagram's sender, kept raw until asked for")
struct DatagramSenderTests {
    @Test("IPv4 and IPv6 senders are kept as their sockaddr and read back as the same address")
    func ipSendersRoundTrip() throws {
        let v4 = try SocketAddress(ipAddress: "10.1.2.3", port: 40000)
        let v6 = try SocketAddress(ipAddress: "::1", port: 7)
        let raw4 = DatagramSender(raw: v4)
        let raw6 = DatagramSender(raw: v6)
        guard case .inet = raw4, case .inet6 = raw6 else {
            Issue.record("not kept raw: \(raw4), \(raw6)")
            return
        }
        #expect(raw4.socketAddress == v4)
        #expect(raw6.socketAddress == v6)
        #expect(raw4.socketAddress?.port == 40000 && raw6.socketAddress?.port == 7)
    }

    @Test("a unix path sender is an address; an abstract or unbound one, or a short sockaddr, is none")
    func unixAndUnnamedSenders() throws {
        let path = try SocketAddress(unixDomainSocketPath: "/tmp/node.sock")
        #expect(DatagramSender(raw: path).socketAddress == path)
        var abstract = sockaddr_un()
        abstract.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &abstract.sun_path) { $0[0] = 0; $0[1] = UInt8(ascii: "x") }
        let fromAbstract = withUnsafeBytes(of: abstract) { DatagramSender($0.baseAddress!, length: UInt32($0.count)) }
        #expect(fromAbstract.socketAddress == nil)
        // An unbound unix sender: only the family, or nothing at all.
        let unbound = withUnsafeBytes(of: abstract) { DatagramSender($0.baseAddress!, length: UInt32(MemoryLayout<sa_family_t>.size)) }
        #expect(unbound.socketAddress == nil)
        // A length too short for the family's sockaddr is not read past.
        let v4 = try SocketAddress(ipAddress: "10.1.2.3", port: 1)
        let short = v4.withSockAddr { pointer, _ in DatagramSender(UnsafeRawPointer(pointer), length: 4) }
        #expect(short.socketAddress == nil)
    }

    @Test("a datagram built with an address keeps it, and setting the sender replaces it")
    func builtDatagrams() throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 9)
        var datagram = SubscriptionDatagram(bytes: ByteBuffer(), sender: address, listener: "test")
        #expect(datagram.sender == address)
        datagram.sender = nil
        #expect(datagram.sender == nil)
    }
}
