import FleetModel
import NIOCore
import RouterWire
import Testing
@testable import FleetClient

#if canImport(Glibc)
import Glibc
#endif

/// Edits to real uWSGI routers: subscription datagrams to a socket the test binds.
@Suite struct SubscriptionEditTests {
    let client = NIOFleetControl(configuration: .init(timeout: .seconds(1)))
    let sampleNode = NodeRef(key: "app.local", address: "127.0.0.1:13031")

    @Test func kickSendsTheExactUnsubscribeBytesOverUDP() async throws {
        let (fd, port) = try TestSockets.boundUDP()
        defer { close(fd) }
        let endpoint = RouterEndpoint(name: "u", stats: .tcp(host: "127.0.0.1", port: 1),
                                      subscriptionServer: .tcp(host: "127.0.0.1", port: port))
        let outcome = try await client.apply(.kick(sampleNode), to: endpoint, latest: try Samples.uwsgiDocument)
        #expect(outcome == .appliedTemporarily(reason: RouterCapabilities.Reason.uwsgiKickTemporary))

        // sendto on loopback has queued the datagram by the time apply returns.
        let datagram = try #require(TestSockets.pendingDatagram(fd))
        let expected = try SubscriptionPacket(command: .unsubscribe(1), key: "app.local", address: "127.0.0.1:13031").encoded()
        #expect(datagram == Array(expected.readableBytesView))
        #expect(Array(datagram.prefix(4)) == [224, UInt8(datagram.count - 4), 0, 1])
        let decoded = try SubscriptionPacket(decoding: ByteBuffer(bytes: datagram))
        #expect(decoded.command == .unsubscribe(1))
        #expect(decoded.key == "app.local")
        #expect(decoded.address == "127.0.0.1:13031")
        #expect(TestSockets.pendingDatagram(fd) == nil)
    }

    @Test func weightReannouncesOverAUnixDatagramSocket() async throws {
        let (fd, path) = try TestSockets.boundUnixDatagram()
        defer {
            close(fd)
            unlink(path)
        }
        let endpoint = RouterEndpoint(name: "u", stats: .tcp(host: "127.0.0.1", port: 1), subscriptionServer: .unix(path: path))
        let outcome = try await client.apply(.setWeight(sampleNode, 9), to: endpoint, latest: try Samples.uwsgiDocument)
        #expect(outcome == .appliedTemporarily(reason: RouterCapabilities.Reason.uwsgiWeightTemporary))
        let datagram = try #require(TestSockets.pendingDatagram(fd))
        let decoded = try SubscriptionPacket(decoding: ByteBuffer(bytes: datagram))
        #expect(decoded.command == .subscribe)
        #expect(decoded.weight == 9)
        #expect(decoded.cores == 2)
        #expect(decoded.modifier1 == 0)
        #expect(decoded.itemOrder.prefix(7) == ["key", "address", "modifier1", "modifier2", "cores", "load", "weight"])
    }

    @Test func drainOnUWSGISendsNothingAndSaysWhy() async throws {
        let (fd, port) = try TestSockets.boundUDP()
        defer { close(fd) }
        let endpoint = RouterEndpoint(name: "u", stats: .tcp(host: "127.0.0.1", port: 1),
                                      subscriptionServer: .tcp(host: "127.0.0.1", port: port))
        let outcome = try await client.apply(.drain(sampleNode), to: endpoint, latest: try Samples.uwsgiDocument)
        #expect(outcome == .refused(reason: RouterCapabilities.Reason.uwsgiDrain))
        #expect(TestSockets.pendingDatagram(fd) == nil)
    }

    @Test func absentUnixSubscriptionServerIsAFailure() async throws {
        let path = TestNames.socketPath()
        let endpoint = RouterEndpoint(name: "u", stats: .tcp(host: "127.0.0.1", port: 1), subscriptionServer: .unix(path: path))
        let outcome = try await client.apply(.kick(sampleNode), to: endpoint, latest: try Samples.uwsgiDocument)
        guard case let .failed(error) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(error.contains(path))
    }
}
