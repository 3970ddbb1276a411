import Foundation
import NIOCore
import NIOHTTP1
import RouterConfig
import RouterCore
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("FleetAdminHandler without a network")
struct FleetAdminHandlerTests {
    /// A handler over one fastrouter with two static nodes and an HTTP router with a
    /// subscription server, state saved in `directory`.
    static func make(directory: String) throws -> (FleetAdminHandler, fast: RouterEngine, http: RouterEngine) {
        let (configuration, _) = try RouterConfiguration.parse(arguments: [
            "--fastrouter", "127.0.0.1:0", "--fastrouter-to", "127.0.0.1:3031", "--fastrouter-to", "127.0.0.1:3032",
            "--http", "127.0.0.1:0", "--http-subscription-server", "127.0.0.1:0",
        ]) { _ in "" }
        let engines = try configuration.routers.map { spec in
            try RouterEngine(spec: spec, global: configuration, sessions: SessionTable(group: RouterHarness.group), logger: quietLogger)
        }
        let handler = FleetAdminHandler(
            engines: engines, stateFile: StateFile(path: "\(directory)/state.json"), logger: quietLogger)
        return (handler, engines[0], engines[1])
    }

    static func call(_ handler: FleetAdminHandler, _ method: HTTPMethod, _ path: String, query: String? = nil, body: String = "") async -> (HTTPResponseStatus, String) {
        let reply = await handler.handle(AdminCall(
            method: method, path: path, query: query, body: ByteBuffer(string: body), peer: "test", authenticated: true))
        return (reply.status, String(buffer: reply.body))
    }

    @Test("unknown paths are 404, wrong methods 405, bad bodies 400, all as AdminResponse JSON")
    func refusals() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let (handler, _, _) = try Self.make(directory: directory)
        let cases: [(HTTPMethod, String, String, HTTPResponseStatus)] = [
            (.GET, "/v1/nope", "", .notFound),
            (.GET, "/v1/cheap", "", .methodNotAllowed),
            (.POST, "/v1/nodes/drain", "{", .badRequest),
            (.POST, "/v1/nodes/weight", #"{"node":"127.0.0.1:3031","weight":0}"#, .badRequest),
            (.POST, "/v1/nodes/kick", #"{"node":"127.0.0.1:9"}"#, .notFound),
            (.DELETE, "/v1/static", #"{"address":"127.0.0.1:9"}"#, .notFound),
            (.POST, "/v1/static", #"{"address":"127.0.0.1:3031"}"#, .conflict),
        ]
        for (method, path, body, expected) in cases {
            let (status, text) = await Self.call(handler, method, path, query: "router=fastrouter", body: body)
            #expect(status == expected, "\(method) \(path)")
            let response = try AdminResponse.decode(Array(text.utf8))
            #expect(!response.ok)
            #expect(!response.message.isEmpty)
        }
        let (status, _) = await Self.call(handler, .GET, "/v1/state", query: "router=sslrouter")
        #expect(status == .notFound)
        for query in ["router=", "router=http&router=fastrouter", "router=%zz", "router=a%0Ab"] {
            let (status, text) = await Self.call(handler, .POST, "/v1/cheap", query: query, body: #"{"mode":"on"}"#)
            #expect(status == .badRequest, "\(query)")
            #expect(try AdminResponse.decode(Array(text.utf8)).message.contains("router="), "\(query)")
        }
        #expect(await Self.call(handler, .GET, "/v1/state", query: "router=*").0 == .badRequest)
        #expect(await Self.call(handler, .POST, "/v1/static", query: "router=*", body: #"{"address":"127.0.0.1:4999"}"#).0 == .badRequest)
    }

    @Test("in a process with several routers an edit that names none is refused with 400 listing them, and changes nothing")
    func unnarrowedEditsAreRefused() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let (handler, fast, http) = try Self.make(directory: directory)
        let edits: [(HTTPMethod, String, String)] = [
            (.POST, "/v1/nodes/drain", #"{"node":"127.0.0.1:3031"}"#),
            (.POST, "/v1/nodes/undrain", #"{"node":"127.0.0.1:3031"}"#),
            (.POST, "/v1/nodes/weight", #"{"node":"127.0.0.1:3031","weight":4}"#),
            (.POST, "/v1/nodes/kick", #"{"node":"127.0.0.1:3031"}"#),
            (.POST, "/v1/cheap", #"{"mode":"on"}"#),
            (.POST, "/v1/static", #"{"address":"127.0.0.1:3039"}"#),
            (.DELETE, "/v1/static", #"{"address":"127.0.0.1:3032"}"#),
        ]
        let before = (fast.operators, http.operators, fast.withState { $0.staticNodes.nodes.map(\.address) })
        for (method, path, body) in edits {
            let (status, text) = await Self.call(handler, method, path, body: body)
            #expect(status == .badRequest, "\(method) \(path)")
            let message = try AdminResponse.decode(Array(text.utf8)).message
            #expect(message.contains("fastrouter, http") && message.contains("?router=NAME") && message.contains("?router=*"), "\(message)")
        }
        #expect(fast.operators == before.0 && http.operators == before.1)
        #expect(fast.withState { $0.staticNodes.nodes.map(\.address) } == before.2)
        #expect(!fast.isCheap && !http.isCheap)
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/state.json"))
        // Reads stay open without a name.
        #expect(await Self.call(handler, .GET, "/v1/state").0 == .ok)
        #expect(await Self.call(handler, .GET, "/metrics").0 == .ok)
    }

    @Test("a named edit changes that router only and says so; * changes every router")
    func namedAndProcessWideEdits() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let (handler, fast, http) = try Self.make(directory: directory)
        let (status, text) = await Self.call(handler, .POST, "/v1/cheap", query: "router=fastrouter", body: #"{"mode":"on"}"#)
        #expect(status == .ok)
        #expect(try AdminResponse.decode(Array(text.utf8)).message == "cheap on for fastrouter only")
        #expect(fast.isCheap && !http.isCheap)
        #expect(http.operators.cheapMode == .auto)
        let (allStatus, allText) = await Self.call(handler, .POST, "/v1/cheap", query: "router=*", body: #"{"mode":"off"}"#)
        #expect(allStatus == .ok)
        #expect(try AdminResponse.decode(Array(allText.utf8)).message.contains("every router of this process"))
        #expect(fast.operators.cheapMode == .off && http.operators.cheapMode == .off)
    }

    @Test("a process with one router takes an edit that names none")
    func singleRouterNeedsNoName() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let (configuration, _) = try RouterConfiguration.parse(arguments: [
            "--fastrouter", "127.0.0.1:0", "--fastrouter-to", "127.0.0.1:3031",
        ]) { _ in "" }
        let engine = try RouterEngine(spec: configuration.routers[0], global: configuration, sessions: SessionTable(group: RouterHarness.group), logger: quietLogger)
        let handler = FleetAdminHandler(engines: [engine], stateFile: nil, logger: quietLogger)
        let (status, text) = await Self.call(handler, .POST, "/v1/cheap", body: #"{"mode":"on"}"#)
        #expect(status == .ok)
        #expect(try AdminResponse.decode(Array(text.utf8)).message == "cheap on for fastrouter")
        #expect(engine.isCheap)
    }

    @Test("a static-node drain reaches only the router that has it and is saved")
    func staticDrain() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let (handler, fast, http) = try Self.make(directory: directory)
        let (status, _) = await Self.call(handler, .POST, "/v1/nodes/drain", query: "router=*", body: #"{"node":"127.0.0.1:3032"}"#)
        #expect(status == .ok)
        #expect(fast.operators.override(key: nil, address: "127.0.0.1:3032").drain)
        #expect(!http.operators.override(key: nil, address: "127.0.0.1:3032").drain)
        let saved = try StateFile<[String: OperatorState]>(path: "\(directory)/state.json").load()
        #expect(saved?["fastrouter"]?.override(key: nil, address: "127.0.0.1:3032").drain == true)
        #expect(saved?["http"] == OperatorState())
        let (_, state) = await Self.call(handler, .GET, "/v1/state", query: "router=fastrouter")
        let document = try StatsDocument.decode(strict: Array(state.utf8))
        #expect(document.staticNodes?.map { $0.operatorFields.state } == [.ready, .drained])
    }

    @Test("a process-wide drain for a node no router has yet applies everywhere, ready for when it appears")
    func drainAbsentNode() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let (handler, fast, http) = try Self.make(directory: directory)
        let (status, text) = await Self.call(handler, .POST, "/v1/nodes/drain", query: "router=*", body: #"{"key":"app.local","node":"127.0.0.1:4000"}"#)
        #expect(status == .ok)
        #expect(text.contains("not present now"))
        #expect(http.operators.override(key: RouteKey("app.local"), address: "127.0.0.1:4000").drain)
        #expect(fast.operators.override(key: RouteKey("app.local"), address: "127.0.0.1:4000").drain)
    }

    @Test("weight, static add and remove, cheap and kick apply")
    func edits() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let (handler, fast, http) = try Self.make(directory: directory)
        #expect(await Self.call(handler, .POST, "/v1/nodes/weight", query: "router=fastrouter", body: #"{"node":"127.0.0.1:3031","weight":5}"#).0 == .ok)
        #expect(fast.operators.override(key: nil, address: "127.0.0.1:3031").weight == 5)
        #expect(await Self.call(handler, .POST, "/v1/static", query: "router=fastrouter", body: #"{"address":"127.0.0.1:3033"}"#).0 == .ok)
        #expect(fast.hasStaticNode("127.0.0.1:3033"))
        #expect(await Self.call(handler, .DELETE, "/v1/static", query: "router=fastrouter", body: #"{"address":"127.0.0.1:3033"}"#).0 == .ok)
        #expect(!fast.hasStaticNode("127.0.0.1:3033"))
        #expect(await Self.call(handler, .POST, "/v1/cheap", query: "router=*", body: #"{"mode":"on"}"#).0 == .ok)
        #expect(fast.isCheap && http.isCheap)
        #expect(await Self.call(handler, .POST, "/v1/nodes/kick", query: "router=fastrouter", body: #"{"node":"127.0.0.1:3031"}"#).0 == .ok)
        let state = fast.withState { $0.staticNodes.node(address: "127.0.0.1:3031")?.state }
        #expect(state == .dead)
    }

    @Test("metrics are Prometheus text with escaped labels")
    func metrics() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let (handler, _, http) = try Self.make(directory: directory)
        _ = try http.edit { state throws(RouterCoreError) in
            try state.apply(SubscriptionPacket(key: "we\"ird\\key", address: "127.0.0.1:5000"))
        }
        let (status, text) = await Self.call(handler, .GET, "/metrics")
        #expect(status == .ok)
        #expect(text.contains("# TYPE fleetrouter_requests_total counter\n"))
        #expect(text.contains(#"fleetrouter_node_requests_total{router="http",key="we\"ird\\key",node="127.0.0.1:5000"} 0"#))
        #expect(text.contains(#"fleetrouter_node_requests_total{router="fastrouter",key="",node="127.0.0.1:3031"} 0"#))
        #expect(text.contains(#"fleetrouter_active_sessions{router="fastrouter"} 0"#))
    }
}
