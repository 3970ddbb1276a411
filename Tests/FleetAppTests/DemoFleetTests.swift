import FleetClient
import FleetModel
import Foundation
import NIOCore
import NIOPosix
import RouterWire
import Testing
@testable import FleetApp

@Suite("Embedded demo fleet: real routers on loopback", .serialized, .timeLimit(.minutes(1)))
struct DemoFleetTests {
    @Test("starts 3 routers with nodes; a drain through NIOFleetControl shows in the next poll; stop unbinds everything")
    func demoFleet() async throws {
        let demo = try await FleetServices.demoFleet()
        var stopped = false
        defer { if !stopped { Task { await demo.stop() } } }
        #expect(demo.note == "demo fleet: 3 routers on loopback; edits apply for real")
        let control = try #require(demo.control as? NIOFleetControl)

        let first = await control.pollOnce(demo.endpoints)
        let documents = try demo.endpoints.map { try #require(try first[$0.id]?.get(), "\($0.name)") }
        #expect(documents.count == 3)
        let http = try #require(documents.first)
        let appNodes = http.subscriptions?.first { $0.key == "app.local" }?.nodes ?? []
        #expect(appNodes.count == 2)
        #expect(Set(appNodes.map(\.weight)) == [1, 2])
        #expect(http.subscriptions?.first { $0.key == "api.local" }?.nodes.count == 2)
        #expect(documents[1].subscriptions?.reduce(0) { $0 + $1.nodes.count } == 4, "the fast router has the nodes too")
        #expect(documents[2].staticNodes?.count == 2, "the raw router has its two echo nodes")

        let node = try #require(appNodes.first?.name)
        let outcome = try await control.apply(.drain(NodeRef(key: "app.local", node: node)), to: demo.endpoints[0])
        #expect(outcome == .applied)
        let after = try #require(try await control.pollOnce([demo.endpoints[0]])[demo.endpoints[0].id]?.get())
        let drained = after.subscriptions?.first { $0.key == "app.local" }?.nodes.first { $0.name == node }
        #expect(drained?.operatorFields.drain == 1)
        #expect([.draining, .drained].contains(drained?.operatorFields.state))

        let sockets = demo.boundSockets
        #expect(sockets.count >= 12)
        await demo.stop()
        stopped = true
        for socket in sockets {
            #expect(await Self.connects(to: socket) == false, "\(socket) still accepts after stop")
        }
    }

    /// Whether a stream connection to `address` (`host:port` or a unix path) succeeds. UDP and
    /// unix datagram sockets are checked by their path being gone.
    static func connects(to address: String) async -> Bool {
        if address.hasPrefix("/") {
            return FileManager.default.fileExists(atPath: address)
        }
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return true }
        let host = String(address[..<colon])
        let group = MultiThreadedEventLoopGroup.singleton
        do {
            let channel = try await ClientBootstrap(group: group).connectTimeout(.seconds(2)).connect(host: host, port: port).get()
            try? await channel.close()
            return true
        } catch {
            return false
        }
    }
}
