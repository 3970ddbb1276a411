import FleetModel
import NIOCore
import RouterWire
import Testing
@testable import FleetClient

/// FleetEdit → wire mapping, without any network.
@Suite struct EditRouteTests {
    let node = NodeRef(key: "app.local", address: "127.0.0.1:3031")
    let subscriptionServer = StatsAddress.tcp(host: "127.0.0.1", port: 7070)

    @Test func adminRequestForEveryPerRouterEdit() {
        #expect(AdminRequest(.drain(node)) == .drain(node))
        #expect(AdminRequest(.undrain(node)) == .undrain(node))
        #expect(AdminRequest(.kick(node)) == .kick(node))
        #expect(AdminRequest(.setWeight(node, 5)) == .setWeight(node, weight: 5))
        #expect(AdminRequest(.clearWeight(node)) == .setWeight(node, weight: nil))
        #expect(AdminRequest(.setCheap(.off)) == .setCheap(.off))
        #expect(AdminRequest(.drainEverywhere(address: "x")) == nil)
    }

    @Test("a pty session kick goes to fleetrouter's admin API by pid; a uWSGI router refuses it")
    func sessionKick() throws {
        #expect(AdminRequest(.kickSession(pid: 4242)) == .kickSession(pid: 4242))
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 9191), subscriptionServer: subscriptionServer)
        #expect(EditRoute.plan(.kickSession(pid: 4242), endpoint: endpoint, document: Samples.fleetrouter(admin: "127.0.0.1:9300"))
            == .admin(.kickSession(pid: 4242), address: .tcp(host: "127.0.0.1", port: 9300), scope: .router("http")))
        #expect(EditRoute.plan(.kickSession(pid: 4242), endpoint: endpoint, document: try Samples.uwsgiDocument)
            == .refused(reason: RouterCapabilities.Reason.uwsgiSession))
        #expect(EditRoute.plan(.kickSession(pid: 0), endpoint: endpoint, document: Samples.fleetrouter(admin: "127.0.0.1:9300"))
            == .refused(reason: "no session pid"))
    }

    @Test func fleetrouterUsesTheAdminAddressFromItsStats() {
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 9191))
        let route = EditRoute.plan(.drain(node), endpoint: endpoint, document: Samples.fleetrouter(admin: "127.0.0.1:9300"))
        #expect(route == .admin(.drain(node), address: .tcp(host: "127.0.0.1", port: 9300), scope: .router("http")))
    }

    @Test func fleetFileAdminAddressWins() {
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 9191), admin: .unix(path: "/run/f.sock"))
        let route = EditRoute.plan(.setCheap(.on), endpoint: endpoint, document: Samples.fleetrouter(admin: "127.0.0.1:9300"))
        #expect(route == .admin(.setCheap(.on), address: .unix(path: "/run/f.sock"), scope: .router("http")))
    }

    @Test("an admin edit names the router of its stats: admin_router first, kind for an older fleetrouter")
    func adminEditNamesItsRouter() {
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 9191))
        var document = Samples.fleetrouter(admin: "127.0.0.1:9300")
        document.kind = "fastrouter"
        let address = StatsAddress.tcp(host: "127.0.0.1", port: 9300)
        #expect(EditRoute.plan(.setCheap(.on), endpoint: endpoint, document: document)
            == .admin(.setCheap(.on), address: address, scope: .router("fastrouter")))
        document.adminRouter = "edge one"
        #expect(EditRoute.plan(.kick(node), endpoint: endpoint, document: document)
            == .admin(.kick(node), address: address, scope: .router("edge one")))
        #expect(EditRoute.plan(.addStatic(address: "127.0.0.1:4000"), endpoint: endpoint, document: document)
            == .admin(.addStatic(address: "127.0.0.1:4000"), address: address, scope: .router("edge one")))
        #expect(EditRoute.plan(.removeStatic(address: "127.0.0.1:4000"), endpoint: endpoint, document: document)
            == .admin(.removeStatic(address: "127.0.0.1:4000"), address: address, scope: .router("edge one")))
        #expect(EditRoute.plan(.drain(node), endpoint: endpoint, document: document, reach: .everyRouterOfProcess)
            == .admin(.drain(node), address: address, scope: .everyRouter))
    }

    @Test("a fleetrouter document that names no router is refused rather than edited process-wide")
    func unnamedFleetrouterIsRefused() {
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 9191))
        var document = Samples.fleetrouter(admin: "127.0.0.1:9300")
        document.kind = nil
        document.adminRouter = nil
        guard case let .refused(reason) = EditRoute.plan(.setCheap(.on), endpoint: endpoint, document: document) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(reason.contains("do not name it"))
    }

    @Test("uWSGI routers take no static-node edits")
    func uwsgiStaticEditsAreRefused() throws {
        let document = try Samples.uwsgiDocument
        let endpoint = RouterEndpoint(name: "u", stats: .tcp(host: "127.0.0.1", port: 9191), subscriptionServer: subscriptionServer)
        #expect(EditRoute.plan(.addStatic(address: "127.0.0.1:1"), endpoint: endpoint, document: document)
            == .refused(reason: RouterCapabilities.Reason.uwsgiStaticNode))
    }

    @Test func fleetrouterWithoutAdminIsRefused() {
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 9191))
        var document = Samples.fleetrouter(admin: nil)
        document.kind = "http"
        #expect(EditRoute.plan(.drain(node), endpoint: endpoint, document: document)
            == .refused(reason: RouterCapabilities.Reason.noAdmin))
    }

    @Test func malformedEditsAreRefused() {
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 9191))
        let document = Samples.fleetrouter(admin: "127.0.0.1:9300")
        #expect(EditRoute.plan(.setWeight(node, 0), endpoint: endpoint, document: document) == .refused(reason: "weight must be at least 1"))
        guard case .refused = EditRoute.plan(.drainEverywhere(address: "127.0.0.1:3031"), endpoint: endpoint, document: document) else {
            Issue.record("drainEverywhere must be expanded before sending")
            return
        }
    }

    @Test func uwsgiKickIsAnUnsubscribePacket() throws {
        let endpoint = RouterEndpoint(name: "u", stats: .tcp(host: "127.0.0.1", port: 9191), subscriptionServer: subscriptionServer)
        let sampleNode = NodeRef(key: "app.local", address: "127.0.0.1:13031")
        let route = EditRoute.plan(.kick(sampleNode), endpoint: endpoint, document: try Samples.uwsgiDocument)
        let expected = SubscriptionPacket(command: .unsubscribe(1), key: "app.local", address: "127.0.0.1:13031")
        #expect(route == .subscriptionPacket(expected, server: subscriptionServer, temporaryReason: RouterCapabilities.Reason.uwsgiKickTemporary))
    }

    @Test func uwsgiWeightReannouncesWithTheNodesOwnFields() throws {
        let endpoint = RouterEndpoint(name: "u", stats: .tcp(host: "127.0.0.1", port: 9191), subscriptionServer: subscriptionServer)
        let document = try Samples.uwsgiDocument
        let sampleNode = try #require(document.subscriptions?.first?.nodes.first)
        let route = EditRoute.plan(.setWeight(NodeRef(key: "app.local", address: sampleNode.name), 7), endpoint: endpoint, document: document)
        guard case let .subscriptionPacket(packet, server, reason) = route else {
            Issue.record("expected a packet, got \(route)")
            return
        }
        #expect(server == subscriptionServer)
        #expect(reason == RouterCapabilities.Reason.uwsgiWeightTemporary)
        #expect(packet.command == .subscribe)
        #expect(packet.weight == 7)
        #expect(packet.cores == sampleNode.cores && packet.cores == 2)
        #expect(packet.modifier1 == UInt8(sampleNode.modifier1))
        #expect(packet.load == sampleNode.load)
    }

    @Test func uwsgiRefusesWhatItCannotTake() throws {
        let document = try Samples.uwsgiDocument
        let withServer = RouterEndpoint(name: "u", stats: .tcp(host: "127.0.0.1", port: 9191), subscriptionServer: subscriptionServer)
        let withoutServer = RouterEndpoint(name: "u", stats: .tcp(host: "127.0.0.1", port: 9191))
        let sampleNode = NodeRef(key: "app.local", address: "127.0.0.1:13031")
        #expect(EditRoute.plan(.drain(sampleNode), endpoint: withServer, document: document) == .refused(reason: RouterCapabilities.Reason.uwsgiDrain))
        #expect(EditRoute.plan(.setCheap(.on), endpoint: withServer, document: document) == .refused(reason: RouterCapabilities.Reason.uwsgiCheap))
        #expect(EditRoute.plan(.clearWeight(sampleNode), endpoint: withServer, document: document) == .refused(reason: RouterCapabilities.Reason.uwsgiClearWeight))
        #expect(EditRoute.plan(.kick(NodeRef(address: "127.0.0.1:13031")), endpoint: withServer, document: document)
            == .refused(reason: RouterCapabilities.Reason.uwsgiStaticNode))
        #expect(EditRoute.plan(.kick(sampleNode), endpoint: withoutServer, document: document)
            == .refused(reason: RouterCapabilities.Reason.noSubscriptionServer))
        #expect(EditRoute.plan(.setWeight(NodeRef(key: "app.local", address: "10.9.9.9:1"), 3), endpoint: withServer, document: document)
            == .refused(reason: "no node 10.9.9.9:1 (app.local) in the router's latest stats"))
    }

    @Test func adminRequestBytesCarryMethodPathBodyAndToken() {
        let bytes = AdminExchange.requestBytes(.setWeight(node, weight: 3), scope: .router("fastrouter"), host: "127.0.0.1:9300", token: "s3cret")
        let text = String(buffer: bytes)
        let body = #"{"key":"app.local","node":"127.0.0.1:3031","weight":3}"#
        #expect(text == "POST /v1/nodes/weight?router=fastrouter HTTP/1.1\r\nHost: 127.0.0.1:9300\r\nUser-Agent: fleettop\r\n"
            + "Authorization: Bearer s3cret\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n" + body)
    }

    @Test func adminStatusesMapToOutcomes() {
        func outcome(_ status: Int, _ body: String, token: Bool = true) -> EditOutcome {
            AdminExchange.outcome(status: status, reason: "R", body: ByteBuffer(string: body), hasToken: token).0
        }
        let ok = String(decoding: AdminResponse(ok: true, operation: "drain", message: "drained").encodeJSON(), as: UTF8.self)
        let no = String(decoding: AdminResponse(ok: false, operation: "drain", message: "no such node").encodeJSON(), as: UTF8.self)
        #expect(outcome(200, ok) == .applied)
        #expect(outcome(200, no) == .refused(reason: "no such node"))
        #expect(outcome(200, "plain") == .failed(error: "HTTP 200 answer is not an admin response: plain"))
        #expect(outcome(401, #"{"error":"needs a token","status":401}"#, token: false)
            == .refused(reason: "unauthorized (HTTP 401): needs a token (no token file configured for this router)"))
        #expect(outcome(403, #"{"error":"bad token","status":403}"#) == .refused(reason: "forbidden (HTTP 403): bad token"))
        #expect(outcome(404, no) == .refused(reason: "HTTP 404: no such node"))
        #expect(outcome(500, "") == .failed(error: "HTTP 500: R"))
    }
}
