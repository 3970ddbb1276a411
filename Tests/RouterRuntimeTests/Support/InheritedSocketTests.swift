import Glibc
import NIOCore
import RouterConfig
import SocketSupport
import Testing
@testable import RouterRuntime

@Suite("inherited listeners: fd://N, systemd socket activation, zerg messages")
struct InheritedSocketTests {
    static let activationCases: [([String: String], [CInt])] = [
        (["LISTEN_PID": "42", "LISTEN_FDS": "2"], [3, 4]),
        (["LISTEN_PID": "41", "LISTEN_FDS": "2"], []),
        (["LISTEN_FDS": "2"], []),
        (["LISTEN_PID": "42", "LISTEN_FDS": "zero"], []),
        (["LISTEN_PID": "42", "LISTEN_FDS": "-1"], []),
    ]

    @Test("LISTEN_FDS counts from descriptor 3, only for the process LISTEN_PID names (here 42)", arguments: activationCases)
    func activation(environment: [String: String], expected: [CInt]) {
        #expect(InheritedSocket.activated(environment: environment, pid: 42) == expected)
    }

    @Test("a bound TCP socket is adopted listening and non-blocking; a pipe, a datagram socket and a closed number are refused, naming the descriptor")
    func adopt() throws {
        let tcp = socket(AF_INET, SocketPrimitives.streamType, 0)
        let bound = try SocketAddress(ipAddress: "127.0.0.1", port: 0).withSockAddr { bind(tcp, $0, socklen_t($1)) }
        try #require(bound == 0)
        defer { close(tcp) }
        #expect(try InheritedSocket.adopt(tcp, configured: "fd://\(tcp)") == tcp)
        var accepting: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        _ = getsockopt(tcp, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length)
        #expect(accepting == 1)
        #expect(fcntl(tcp, F_GETFL) & O_NONBLOCK != 0)
        #expect(InheritedSocket.localAddress(tcp)?.ipAddress == "127.0.0.1")

        var pipeEnds: [CInt] = [0, 0]
        try #require(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[0]); close(pipeEnds[1]) }
        let udp = socket(AF_INET, SocketPrimitives.datagramType, 0)
        defer { close(udp) }
        let cases: [(CInt, String)] = [(pipeEnds[0], "is not a socket"), (udp, "is not a stream socket"), (9_999, "is not open")]
        for (fd, reason) in cases {
            #expect(throws: RuntimeError.bindFailed(address: "fd://\(fd)", reason: "descriptor \(fd) \(reason)")) {
                try InheritedSocket.adopt(fd, configured: "fd://\(fd)")
            }
        }
    }

    /// A control buffer as the kernel fills it: one SCM_RIGHTS header and `fds`.
    static func rights(_ fds: [CInt]) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt(16 + 4 * fds.count)) { bytes += $0 }
        withUnsafeBytes(of: CInt(SOL_SOCKET)) { bytes += $0 }
        withUnsafeBytes(of: CInt(SCM_RIGHTS)) { bytes += $0 }
        for fd in fds { withUnsafeBytes(of: fd) { bytes += $0 } }
        return bytes
    }

    static func payload(count: CInt?) -> [UInt8] {
        var bytes = Array("uwsgi-zerg".utf8)
        if let count { withUnsafeBytes(of: count.littleEndian) { bytes += $0 } }
        return bytes
    }

    @Test("a zerg message gives its descriptors, asks again for more room, and refuses what is not uwsgi-zerg")
    func zergMessages() {
        #expect(ZergClient.decode(payload: Self.payload(count: 2), control: Self.rights([7, 9]), room: 8) == .descriptors([7, 9]))
        #expect(ZergClient.decode(payload: Self.payload(count: nil), control: Self.rights([7]), room: 8) == .descriptors([7]))
        #expect(ZergClient.decode(payload: Self.payload(count: 12), control: [], room: 8) == .needsRoom(12))
        #expect(ZergClient.decode(payload: Self.payload(count: 5_000), control: [], room: 8) == .invalid("the server announces 5000 sockets"))
        #expect(ZergClient.decode(payload: Array("uwsgi-zorg\0\0\0\0".utf8), control: Self.rights([7]), room: 8)
            == .invalid("the reply does not start with 'uwsgi-zerg'"))
        #expect(ZergClient.decode(payload: Self.payload(count: 1), control: [], room: 8) == .invalid("no descriptors were sent"))
        var credentials = Self.rights([1, 2, 3])
        credentials[12] = 2  // SCM_CREDENTIALS, not SCM_RIGHTS
        #expect(ZergClient.decode(payload: Self.payload(count: 1), control: credentials, room: 8) == .invalid("no descriptors were sent"))
    }
}
