import Foundation
import CNIOLinux
import NIOCore
import RouterCore
import RouterWire
import SocketSupport
import Testing
@testable import RouterRuntime

@Suite("notify: the subscription ack of a new node")
struct SubscriptionNotifyTests {
    @Test("a new node carrying notify gets one '[subscription ack] KEY => new node: ADDR' datagram; its refreshes get none")
    func ackOnce() throws {
        let path = NSTemporaryDirectory() + "fleetrouter-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let receiver = socket(AF_UNIX, SocketPrimitives.datagramType, 0)
        defer { close(receiver); unlink(path) }
        let bound = try SocketAddress(unixDomainSocketPath: path).withSockAddr { bind(receiver, $0, socklen_t($1)) }
        try #require(bound == 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let engine = try RouterEngineTests.engine(["--http", ":0", "--http-subscription-server", "127.0.0.1:0"])
        var packet = SubscriptionPacket(key: "app.local", address: "127.0.0.1:4000")
        packet.notify = path
        try engine.receive(RouterEngineTests.datagram(packet))
        try engine.receive(RouterEngineTests.datagram(packet))

        var buffer = [UInt8](repeating: 0, count: 512)
        let received = recv(receiver, &buffer, buffer.count, 0)
        #expect(String(decoding: buffer.prefix(max(0, received)), as: UTF8.self) == "[subscription ack] app.local => new node: 127.0.0.1:4000")
        // The refresh sent nothing: the next read finds the queue empty.
        let again = recv(receiver, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        #expect(again == -1)
    }

    @Test("notify naming something other than a unix path sends nothing and costs the subscription nothing")
    func notUnixPath() throws {
        let engine = try RouterEngineTests.engine(["--http", ":0", "--http-subscription-server", "127.0.0.1:0"])
        var packet = SubscriptionPacket(key: "app.local", address: "127.0.0.1:4000")
        packet.notify = "127.0.0.1:9"
        try engine.receive(RouterEngineTests.datagram(packet))
        #expect(RouterEngine.acknowledgement(key: "k", address: "a") == Array("[subscription ack] k => new node: a".utf8))
    }
}
