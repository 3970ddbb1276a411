import Foundation
import RouterWire
import Testing

@Suite("Admin API requests and responses")
struct AdminRequestTests {
    static let subscribed = NodeRef(key: "app.local", node: "127.0.0.1:3031")
    static let staticNode = NodeRef(node: "127.0.0.1:3040")

    static let all: [AdminRequest] = [
        .state, .metrics,
        .drain(subscribed), .drain(staticNode), .undrain(subscribed), .kick(staticNode), .kick(NodeRef(key: "k\"\\\u{1}", node: "n\t")),
        .setWeight(subscribed, weight: 5), .setWeight(staticNode, weight: nil), .setWeight(subscribed, weight: UInt64.max),
        .setCheap(.auto), .setCheap(.on), .setCheap(.off),
        .addStatic(address: "127.0.0.1:4000"), .removeStatic(address: "/run/app.sock"),
        .kickSession(pid: 4242), .kickSession(pid: UInt64(Int32.max)), .reloadTLS,
    ]

    @Test("every request survives method + path + body and back", arguments: all)
    func roundTrip(request: AdminRequest) throws {
        let parsed = try AdminRequest(method: request.httpMethod, path: request.path, body: request.body)
        #expect(parsed == request)
        #expect(request.isEdit == (request.httpMethod != "GET"))
        if let body = request.body {
            #expect(try JSONSerialization.jsonObject(with: Data(body)) is [String: Any])
        }
    }

    @Test("methods, paths and bodies are the documented ones")
    func wireForm() throws {
        #expect(AdminRequest.state.httpMethod == "GET" && AdminRequest.state.path == "/v1/state" && AdminRequest.state.body == nil)
        #expect(AdminRequest.metrics.path == "/metrics" && !AdminRequest.metrics.isEdit)
        #expect(AdminRequest.drain(Self.subscribed).body == Array(#"{"key":"app.local","node":"127.0.0.1:3031"}"#.utf8))
        #expect(AdminRequest.drain(Self.staticNode).body == Array(#"{"node":"127.0.0.1:3040"}"#.utf8))
        #expect(AdminRequest.setWeight(Self.staticNode, weight: nil).body == Array(#"{"node":"127.0.0.1:3040","weight":null}"#.utf8))
        #expect(AdminRequest.setCheap(.off).body == Array(#"{"mode":"off"}"#.utf8))
        #expect(AdminRequest.removeStatic(address: "a").httpMethod == "DELETE")
        #expect(AdminRequest.addStatic(address: "a").httpMethod == "POST")
        #expect(AdminRequest.addStatic(address: "a").path == "/v1/static")
        #expect(AdminRequest.setWeight(Self.subscribed, weight: 2).operation == "weight")
        #expect(AdminRequest.kickSession(pid: 7).body == Array(#"{"pid":7}"#.utf8))
        #expect(AdminRequest.kickSession(pid: 7).path == "/v1/sessions/kick" && AdminRequest.kickSession(pid: 7).httpMethod == "POST")
        #expect(AdminRequest.reloadTLS.path == "/v1/tls/reload" && AdminRequest.reloadTLS.httpMethod == "POST" && AdminRequest.reloadTLS.isEdit)
        #expect(AdminRequest.reloadTLS.operation == "tls.reload" && AdminRequest.reloadTLS.body == Array("{}".utf8))
        // No body is needed; GET is not a reload.
        #expect(try AdminRequest(method: "POST", path: "/v1/tls/reload", body: nil) == .reloadTLS)
        #expect(throws: WireError.self) { try AdminRequest(method: "GET", path: "/v1/tls/reload", body: nil) }
    }

    @Test("a session kick needs a pid in 1-2147483647",
          arguments: [#"{}"#, #"{"pid":0}"#, #"{"pid":2147483648}"#, #"{"pid":"12"}"#, #"{"pid":-1}"#])
    func badSessionKick(body: String) {
        #expect(throws: WireError.self) { try AdminRequest(method: "POST", path: "/v1/sessions/kick", body: Array(body.utf8)) }
    }

    @Test("a query string is ignored; a null key means a static node; GET bodies are ignored")
    func tolerated() throws {
        #expect(try AdminRequest(method: "GET", path: "/v1/state?pretty=1", body: Array("junk".utf8)) == .state)
        #expect(try AdminRequest(method: "POST", path: "/v1/nodes/kick", body: Array(#"{"key":null,"node":"n","extra":1}"#.utf8)) == .kick(NodeRef(node: "n")))
    }

    static let errors: [(method: String, path: String, body: String?, reason: String)] = [
        ("GET", "/v1/nope", nil, "unknown path '/v1/nope'"),
        ("GET", "/", nil, "unknown path '/'"),
        ("POST", "/v1/state", nil, "method POST not allowed on /v1/state; expected GET"),
        ("GET", "/v1/nodes/drain", nil, "method GET not allowed on /v1/nodes/drain; expected POST"),
        ("PUT", "/v1/static", "{}", "method PUT not allowed on /v1/static; expected POST or DELETE"),
        ("post", "/v1/cheap", "{}", "method post not allowed"),
        ("POST", "/v1/nodes/drain", nil, "POST /v1/nodes/drain needs a JSON object body"),
        ("POST", "/v1/nodes/drain", "", "POST /v1/nodes/drain needs a JSON object body"),
        ("POST", "/v1/nodes/drain", "{\"node\":", "body of POST /v1/nodes/drain is not JSON"),
        ("POST", "/v1/nodes/drain", "[1]", "body of POST /v1/nodes/drain is an array, expected a JSON object"),
        ("POST", "/v1/nodes/drain", #"{"key":"k"}"#, "node: missing"),
        ("POST", "/v1/nodes/undrain", #"{"node":""}"#, "node: expected a non-empty string, got an empty string"),
        ("POST", "/v1/nodes/kick", #"{"node":3}"#, "node: expected a non-empty string, got an unsigned integer"),
        ("POST", "/v1/nodes/kick", #"{"node":"n","key":""}"#, "key: expected a non-empty subscription key"),
        ("POST", "/v1/nodes/kick", #"{"node":"n","key":7}"#, "key: expected a non-empty subscription key, or no key for a static node, got an unsigned integer"),
        ("POST", "/v1/nodes/weight", #"{"node":"n"}"#, "weight: missing"),
        ("POST", "/v1/nodes/weight", #"{"node":"n","weight":0}"#, "weight: expected a positive integer, or null to clear the override, got 0"),
        ("POST", "/v1/nodes/weight", #"{"node":"n","weight":-2}"#, "got the number -2"),
        ("POST", "/v1/nodes/weight", #"{"node":"n","weight":1.5}"#, "got the number 1.5"),
        ("POST", "/v1/nodes/weight", #"{"node":"n","weight":"3"}"#, "got a string"),
        ("POST", "/v1/nodes/weight", #"{"weight":3}"#, "node: missing"),
        ("POST", "/v1/cheap", #"{}"#, "mode: missing, expected auto, on or off"),
        ("POST", "/v1/cheap", #"{"mode":"maybe"}"#, #"mode: expected auto, on or off, got "maybe""#),
        ("POST", "/v1/cheap", #"{"mode":1}"#, "mode: expected auto, on or off, got an unsigned integer"),
        ("POST", "/v1/static", #"{"addr":"x"}"#, "address: missing"),
        ("DELETE", "/v1/static", #"{"address":null}"#, "address: expected a non-empty string, got null"),
    ]

    @Test("every malformed request is a typed error naming what is wrong", arguments: errors.indices)
    func malformed(index: Int) {
        let (method, path, body, expected) = Self.errors[index]
        do {
            let request = try AdminRequest(method: method, path: path, body: body.map { Array($0.utf8) })
            Issue.record("\(method) \(path) \(body ?? "-") parsed as \(request)")
        } catch {
            guard case .malformedAdmin(let reason) = error else { Issue.record("wrong error \(error)"); return }
            #expect(reason.contains(expected), "\(reason)")
        }
    }

    @Test("responses round-trip, with and without a state snapshot, and through Codable")
    func responses() throws {
        let state = try StatsDocument.decode(lenient: StatsSamples.bytes("cheap-mode/2-node-subscribed.http-router.json"))
        for response in [
            AdminResponse(ok: true, operation: "drain", message: "node 127.0.0.1:3031 of app.local drained"),
            AdminResponse(ok: false, operation: "weight", message: "no node \"x\"\n", state: state),
        ] {
            let bytes = response.encodeJSON()
            #expect(try AdminResponse.decode(bytes) == response)
            #expect(try JSONValue(parsing: bytes).keys == (response.state == nil ? ["ok", "operation", "message"] : ["ok", "operation", "message", "state"]))
            #expect(try JSONDecoder().decode(AdminResponse.self, from: Data(bytes)) == response)
            #expect(try AdminResponse.decode(Array(JSONEncoder().encode(response))) == response)
        }
    }

    @Test("malformed responses are typed errors naming the field", arguments: [
        ("nope", "response is not JSON"), ("[]", "response is an array"), (#"{"operation":"x","message":"m"}"#, "ok:"),
        (#"{"ok":1,"operation":"x","message":"m"}"#, "ok:"), (#"{"ok":true,"message":"m"}"#, "operation:"),
        (#"{"ok":true,"operation":"x"}"#, "message:"), (#"{"ok":true,"operation":"x","message":"m","state":{"pid":1}}"#, "state: "),
    ])
    func malformedResponses(text: String, expected: String) {
        do {
            _ = try AdminResponse.decode(Array(text.utf8))
            Issue.record("\(text) decoded")
        } catch {
            guard case .malformedAdmin(let reason) = error else { Issue.record("wrong error \(error)"); return }
            #expect(reason.hasPrefix(expected), "\(reason)")
        }
    }
}

@Suite("AdminScope: the router= member of an admin call")
struct AdminScopeTests {
    @Test("absent, named, percent-encoded and process-wide scopes parse back")
    func roundTrip() throws {
        #expect(try AdminScope(query: nil) == nil)
        #expect(try AdminScope(query: "x=1") == nil)
        #expect(try AdminScope(query: "router=*") == .everyRouter)
        #expect(try AdminScope(query: "a=b&router=fastrouter") == .router("fastrouter"))
        for name in ["http", "edge one", "ü&=?%", "a+b"] {
            let scope = AdminScope.router(name)
            #expect(try AdminScope(query: scope.queryItem) == scope, "\(name) → \(scope.queryItem)")
        }
        #expect(AdminScope.router("edge one").queryItem == "router=edge%20one")
        #expect(AdminRequest.setCheap(.on).target(scope: .router("http")) == "/v1/cheap?router=http")
        #expect(AdminRequest.setCheap(.on).target(scope: .everyRouter) == "/v1/cheap?router=*")
        #expect(AdminRequest.state.target(scope: nil) == "/v1/state")
    }

    @Test("a repeated, empty, over-long, badly escaped or control-character name is refused", arguments: [
        "router=a&router=b", "router=", "router", "router=%4", "router=%zz", "router=%ff%fe", "router=a%0Ab",
        "router=" + String(repeating: "n", count: 65),
    ])
    func refusals(query: String) {
        #expect(throws: WireError.self) { try AdminScope(query: query) }
    }
}
