import DataPlaneTesting
import Foundation
import RouterCore
import RouterWire
import Testing
@testable import RouterRuntime
import NIOConcurrencyHelpers
import Synchronization

@Suite("fleetrouter process end to end", .serialized, .everyTransport)
struct FleetRouterProcessTests {
    @Test("startup lines name every bound socket, then ready")
    func announcements() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let router = try await FleetRouterHarness.start(directory: directory, arguments: FleetRouterHarness.arguments(directory: directory))
        defer { Task { await router.stop() } }
        let lines = router.announcements.withLockedValue { $0 }
        #expect(lines.count == 5)
        #expect(lines.last == "fleetrouter: ready")
        let listener = try router.port(.listener)
        #expect(lines.contains("fleetrouter: http listening on 127.0.0.1:0 bound 127.0.0.1:\(listener)"))
        #expect(lines.contains("fleetrouter: http subscription server on 127.0.0.1:0 bound 127.0.0.1:\(try router.port(.subscription))"))
        #expect(lines.contains("fleetrouter: http stats server on 127.0.0.1:0 bound 127.0.0.1:\(try router.port(.stats))"))
        #expect(lines.contains("fleetrouter: admin API on 127.0.0.1:0 bound 127.0.0.1:\(try router.port(.admin))"))
        #expect(listener != 0)
    }

    @Test("the router's clients run on the transport under test")
    func runsOnTheTransportUnderTest() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let router = try await FleetRouterHarness.start(directory: directory, arguments: FleetRouterHarness.arguments(directory: directory))
        let transports = router.process.transports.map { ($0 as? LeanTransport)?.backend.rawValue ?? "nio" }
        let response = try await router.get()
        await router.stop()
        #expect(transports == [TransportUnderTest.current])
        #expect(response.status == 503)  // no node yet: answered on that transport
    }

    @Test("--admin on port 0: the stats name the admin port bound, so a dashboard can reach it")
    func statsNameTheBoundAdminPort() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let router = try await FleetRouterHarness.start(directory: directory, arguments: FleetRouterHarness.arguments(directory: directory))
        let admin = try router.port(.admin)
        let document = try await router.stats()
        await router.stop()
        #expect(admin != 0)
        #expect(document.admin == "127.0.0.1:\(admin)")
    }

    @Test("subscribed nodes share requests by weight; a drain holds across re-announce; unsubscribe removes")
    func subscribeRouteDrain() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let heavy = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        let light = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        let router = try await FleetRouterHarness.start(directory: directory, arguments: FleetRouterHarness.arguments(directory: directory))
        let events = router.engine.events()
        try router.subscribe(heavy, weight: 3)
        try router.subscribe(light, weight: 1)
        try await expectEvents(events, "both nodes subscribed", [nodeAdded(heavy.port), nodeAdded(light.port)])

        for _ in 0..<8 {
            #expect(try await router.get().status == 200)
        }
        #expect(heavy.requests.load(ordering: .relaxed) == 6)
        #expect(light.requests.load(ordering: .relaxed) == 2)
        var document = try await router.stats()
        #expect(document.version.hasPrefix("fleetrouter "))
        #expect(document.listeners?.routerName == "http")
        let nodes = document.subscriptions?.first?.nodes ?? []
        #expect(nodes.map(\.name).sorted() == ["127.0.0.1:\(heavy.port)", "127.0.0.1:\(light.port)"].sorted())
        #expect(nodes.map(\.requests).reduce(0, +) == 8)

        // Without the token nothing changes.
        let lightRef = #"{"key":"app.local","node":"127.0.0.1:\#(light.port)"}"#
        let refused = try await router.admin("POST", "/v1/nodes/drain", body: lightRef, token: nil)
        #expect(refused.status == 401)
        #expect(router.engine.operators == OperatorState())
        let wrong = try await router.admin("POST", "/v1/nodes/drain", body: lightRef, token: "not-it")
        #expect(wrong.status == 403)
        #expect(router.engine.operators == OperatorState())

        let drained = try await router.admin("POST", "/v1/nodes/drain", body: lightRef)
        #expect(drained.status == 200)
        let reply = try AdminResponse.decode(drained.body)
        #expect(reply.ok && reply.operation == "drain")
        for _ in 0..<4 {
            #expect(try await router.get().status == 200)
        }
        #expect(light.requests.load(ordering: .relaxed) == 2)
        #expect(heavy.requests.load(ordering: .relaxed) == 10)
        document = try await router.stats()
        var lightEntry = document.subscriptions?.first?.nodes.first { $0.name == "127.0.0.1:\(light.port)" }
        #expect(lightEntry?.operatorFields.drain == 1)
        #expect(lightEntry?.operatorFields.state == .drained)

        // The node's next announce does not undo the operator's drain.
        try router.subscribe(light, weight: 1)
        try await expectEvents(events, "re-announce", [{ if case .nodeRefreshed(_, let a, _) = $0 { return a == "127.0.0.1:\(light.port)" }; return false }])
        #expect(try await router.get().status == 200)
        #expect(light.requests.load(ordering: .relaxed) == 2)
        document = try await router.stats()
        lightEntry = document.subscriptions?.first?.nodes.first { $0.name == "127.0.0.1:\(light.port)" }
        #expect(lightEntry?.operatorFields.drain == 1)

        let metrics = try await router.admin("GET", "/metrics", token: nil)
        #expect(metrics.status == 200)
        #expect(metrics.text.contains(#"fleetrouter_node_drain{router="http",key="app.local",node="127.0.0.1:\#(light.port)"} 1"#))
        #expect(metrics.text.contains(#"fleetrouter_requests_total{router="http"} 13"#))

        try router.subscribe(light, unsubscribe: true)
        try await expectEvents(events, "unsubscribed node removed", [{ if case .nodeRemoved(_, let a) = $0 { return a == "127.0.0.1:\(light.port)" }; return false }])
        document = try await router.stats()
        #expect(document.subscriptions?.first?.nodes.map(\.name) == ["127.0.0.1:\(heavy.port)"])

        await router.stop()
        await heavy.stop()
        await light.stop()
    }

    @Test("a drain is written to the state file and holds after a restart")
    func stateFileSurvivesRestart() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        let arguments = FleetRouterHarness.arguments(directory: directory)
        var router = try await FleetRouterHarness.start(directory: directory, arguments: arguments)
        var events = router.engine.events()
        try router.subscribe(node)
        try await expectEvents(events, "node subscribed", [nodeAdded(node.port)])
        let ref = #"{"key":"app.local","node":"127.0.0.1:\#(node.port)"}"#
        #expect(try await router.admin("POST", "/v1/nodes/drain", body: ref).status == 200)
        await router.stop()

        router = try await FleetRouterHarness.start(directory: directory, arguments: arguments)
        #expect(router.engine.operators.override(key: RouteKey("app.local"), address: "127.0.0.1:\(node.port)").drain)
        events = router.engine.events()
        try router.subscribe(node)
        try await expectEvents(events, "node subscribed again", [nodeAdded(node.port)])
        let document = try await router.stats()
        #expect(document.subscriptions?.first?.nodes.first?.operatorFields.state == .drained)
        #expect(try await router.get().status == 503)
        #expect(node.requests.load(ordering: .relaxed) == 0)

        #expect(try await router.admin("POST", "/v1/nodes/undrain", body: ref).status == 200)
        #expect(try await router.get().status == 200)
        #expect(node.requests.load(ordering: .relaxed) == 1)
        await router.stop()
        await node.stop()
    }

    @Test("a cheap router accepts nobody until a node subscribes, then serves the queued client")
    func cheapRouter() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        let router = try await FleetRouterHarness.start(
            directory: directory, arguments: FleetRouterHarness.arguments(directory: directory, extra: ["--http-cheap"]))
        #expect(router.engine.isCheap)
        let port = try router.port(.listener)
        // The kernel completes the connect from the backlog; the router reads nothing yet.
        let client = try BlockingClient(port: port, timeoutSeconds: 5)
        try client.send("GET / HTTP/1.1\r\nHost: app.local\r\n\r\n")
        let events = router.engine.events()
        try router.subscribe(node)
        try await expectEvents(events, "cheap mode left", [{ $0 == .cheapLeft }])
        #expect(!router.engine.isCheap)
        let box = UncheckedClient(client: client)
        let response = try await RouterHarness.blocking { try box.client.readResponse() }
        #expect(response.status == 200)
        #expect(node.requests.load(ordering: .relaxed) == 1)

        // The operator can force cheap mode on: nothing is accepted, then off again.
        #expect(try await router.admin("POST", "/v1/cheap", body: #"{"mode":"on"}"#).status == 200)
        #expect(router.engine.isCheap)
        #expect(try await router.admin("POST", "/v1/cheap", body: #"{"mode":"auto"}"#).status == 200)
        #expect(!router.engine.isCheap)
        #expect(try await router.get().status == 200)
        await router.stop()
        await node.stop()
    }

    @Test("shutdown before run closes every socket")
    func shutdownWithoutRun() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let router = try await FleetRouterHarness.start(directory: directory, arguments: FleetRouterHarness.arguments(directory: directory))
        let port = try router.port(.listener)
        await router.stop()
        #expect(throws: BlockingClient.Failure.self) { _ = try BlockingClient(port: port) }
    }

    @Test("run() serves until shutdown(), then returns with every socket closed")
    func runUntilShutdown() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        let router = try await FleetRouterHarness.start(
            directory: directory, arguments: ["--http", "127.0.0.1:0", "--http-to", "127.0.0.1:\(node.port)"])
        let process = router.process
        let running = Task { try await process.run() }
        #expect(try await router.get().status == 200)
        let port = try router.port(.listener)
        await router.stop()
        try await withTimeout(10, "run() to return") { try await running.value }
        #expect(throws: BlockingClient.Failure.self) { _ = try BlockingClient(port: port) }
        await node.stop()
    }

    @Test("shutdown stops accepting but lets an in-flight request finish")
    func inFlightSurvivesShutdown() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let node = try await HeldNode.start(group: RouterHarness.group)
        let router = try await FleetRouterHarness.start(
            directory: directory, arguments: ["--http", "127.0.0.1:0", "--http-to", "127.0.0.1:\(node.port)"])
        let process = router.process
        let running = Task { try await process.run() }
        let port = try router.port(.listener)
        let response = Task { try await router.get() }
        let arrivals = node.arrivals
        try await withTimeout(5, "the request to reach the node") {
            for await _ in arrivals { return }
            throw TestTimeout(what: "an arrival")
        }
        let stopping = Task { await router.stop() }
        // Bounded: the listener closes within a few loop turns of the shutdown request.
        var refused = false
        for _ in 0..<100_000 where !refused {
            do {
                _ = try BlockingClient(port: port)
                await Task.yield()
            } catch {
                refused = true
            }
        }
        #expect(refused)
        node.release()
        let answer = try await response.value
        #expect(answer.status == 200)
        #expect(answer.text == "ok")
        await stopping.value
        try await withTimeout(10, "run() to return") { try await running.value }
        await node.stop()
    }

    @Test("a bad state file stops startup with a message naming it")
    func corruptStateFile() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        try "{not json".write(toFile: "\(directory)/state.json", atomically: true, encoding: .utf8)
        await #expect(throws: FleetRouterError.self) {
            _ = try await FleetRouterHarness.start(directory: directory, arguments: FleetRouterHarness.arguments(directory: directory))
        }
    }
}

/// Hands a blocking client to the reading thread.
struct UncheckedClient: @unchecked Sendable {
    let client: BlockingClient
}
