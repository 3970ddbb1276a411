import Foundation
import NIOCore
import RouterConfig
import RouterCore
import RouterWire
import Synchronization
import Testing
@testable import RouterRuntime

@Suite("The cache forwarder: --cache2, -use-cache, cache datagrams, /v1/cache, the state file")
struct CacheForwarderTests {
    static func arguments(_ directory: String) -> [String] {
        FleetRouterHarness.arguments(directory: directory, extra: [
            "--cache2", "name=routes,items=2", "--http-use-cache", "routes", "--cache-udp-server", "127.0.0.1:0",
        ])
    }

    /// Sends one cache datagram to the router's cache UDP server.
    static func send(_ packet: CacheUDPPacket, to harness: FleetRouterHarness) throws {
        let sender = try SubscriptionSender(to: SocketAddressSpec(parsing: "127.0.0.1:\(try harness.port(.cacheUDP))"))
        try sender.send(try packet.encoded())
    }

    /// GETs `host` until the answer's status is `status` (bounded); the last answer.
    static func awaitStatus(_ status: Int, host: String, _ harness: FleetRouterHarness) async throws -> HTTPTestResponse {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let response = try await harness.get(host: host)
            if response.status == status { return response }
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: "status \(status) for \(host), last \(response.status)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("a datagram set routes the key round robin over its nodes; a delete takes the route away")
    func datagramsFeedTheRoutes() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let a = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        let b = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        let harness = try await FleetRouterHarness.start(directory: directory, arguments: Self.arguments(directory))
        do {
            let missing = try await harness.get(host: "app.local")
            #expect(missing.status == 503)
            try Self.send(.set(key: Array("app.local".utf8), value: Array("127.0.0.1:\(a.port)|127.0.0.1:\(b.port)".utf8), expires: nil), to: harness)
            _ = try await Self.awaitStatus(200, host: "app.local", harness)
            let before = (a.requests.load(ordering: .relaxed), b.requests.load(ordering: .relaxed))
            for _ in 0..<4 {
                let response = try await harness.get(host: "app.local")
                #expect(response.status == 200)
            }
            #expect(a.requests.load(ordering: .relaxed) - before.0 == 2)
            #expect(b.requests.load(ordering: .relaxed) - before.1 == 2)
            // A malformed datagram changes nothing.
            let sender = try SubscriptionSender(to: SocketAddressSpec(parsing: "127.0.0.1:\(try harness.port(.cacheUDP))"))
            try sender.send([111, 9, 0, 11, 1, 2, 3])
            try Self.send(.delete(key: Array("app.local".utf8)), to: harness)
            _ = try await Self.awaitStatus(503, host: "app.local", harness)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
        await a.stop()
        await b.stop()
    }

    @Test("/v1/cache lists, sets and deletes items with the token; items= caps it; items survive a restart")
    func adminAndStateFile() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        var harness = try await FleetRouterHarness.start(directory: directory, arguments: Self.arguments(directory))
        do {
            let unauthorized = try await harness.admin("POST", "/v1/cache", body: #"{"key":"x","value":"127.0.0.1:1"}"#, token: nil)
            #expect(unauthorized.status == 401)
            let unread = try await harness.admin("GET", "/v1/cache", token: nil)
            #expect(unread.status == 401)
            let set = try await harness.admin("POST", "/v1/cache", body: "{\"cache\":\"routes\",\"key\":\"app.local\",\"value\":\"127.0.0.1:\(node.port),5\"}")
            #expect(set.status == 200)
            let bad = try await harness.admin("POST", "/v1/cache", body: #"{"key":"k","value":"a:1|"}"#)
            #expect(bad.status == 400)
            let unknown = try await harness.admin("POST", "/v1/cache", body: #"{"cache":"nope","key":"k","value":"a:1"}"#)
            #expect(unknown.status == 404)
            let second = try await harness.admin("POST", "/v1/cache", body: #"{"key":"other","value":"127.0.0.1:9","expires":4102444800}"#)
            #expect(second.status == 200)
            let full = try await harness.admin("POST", "/v1/cache", body: #"{"key":"third","value":"127.0.0.1:9"}"#)
            #expect(full.status == 409)
            let response = try await harness.get(host: "app.local")
            #expect(response.status == 200)
            let listed = try await harness.admin("GET", "/v1/cache")
            let listing = try CacheListing(json: listed.body)
            #expect(listing.caches.map(\.name) == ["routes"])
            #expect(listing.caches.first?.capacity == 2)
            let items = listing.caches.first?.items ?? []
            #expect(items.map(\.key) == ["app.local", "other"])
            #expect(items.first?.value == "127.0.0.1:\(node.port),5")
            #expect(items.first?.hits == 1)
            #expect(items.last?.expires == 4102444800)
            let deleted = try await harness.admin("DELETE", "/v1/cache", body: #"{"key":"other"}"#)
            #expect(deleted.status == 200)
            let again = try await harness.admin("DELETE", "/v1/cache", body: #"{"key":"other"}"#)
            #expect(again.status == 404)
        } catch {
            await harness.stop()
            throw error
        }
        await harness.stop()
        let saved = try StateFile<PersistedState>(path: "\(directory)/state.json").load()
        #expect(saved?.caches["routes"]?.map(\.key) == ["app.local"])
        harness = try await FleetRouterHarness.start(directory: directory, arguments: Self.arguments(directory))
        let restored = try await harness.get(host: "app.local")
        await harness.stop()
        await node.stop()
        #expect(restored.status == 200)
    }

    @Test("a state file without caches still loads, and one with caches keeps the routers' state")
    func persistedStateIsCompatible() throws {
        let legacy = Array(#"{"http":{}}"#.utf8)
        let decoded = try JSONDecoder().decode(PersistedState.self, from: Data(legacy))
        #expect(decoded.routers.keys.sorted() == ["http"] && decoded.caches.isEmpty)
        let document = PersistedState(routers: ["http": OperatorState()], caches: ["routes": [.init(key: "k", value: "a:1", expires: 9)]])
        let round = try JSONDecoder().decode(PersistedState.self, from: try JSONEncoder().encode(document))
        #expect(round == document)
    }
}
