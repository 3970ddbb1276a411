import Dashboard
import FleetClient
import FleetModel
import FleetModelTesting
import Foundation
import RouterWire
import TUICore
import Testing
@testable import FleetApp

/// The dashboard, the real `NIOFleetControl` and a loopback router whose stats name its admin
/// API (none is configured) and whose admin API needs the token.
@Suite("Admin address learned from stats: no token until confirmed in the dashboard", .serialized, .timeLimit(.minutes(1)))
struct LearnedAdminAddressTests {
    static let token = "learned-\(UInt64.random(in: 0...UInt64.max))"
    static let node = NodeRef(key: "api.example.com", node: "127.0.0.1:4041")

    /// A 0600 token file holding `token`; returns its path.
    static func tokenFile() throws -> String {
        let path = NSTemporaryDirectory() + "fleettop-learned-\(UInt64.random(in: 0...UInt64.max)).token"
        guard FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return path
    }

    @Test("a direct edit and a declined question send no token; after y the edit carries it")
    func tokenOnlyAfterConfirmation() async throws {
        let server = try await LoopbackAdminServer.start(token: Self.token) { admin in
            var document = CannedFleets.fleetrouterHTTP()
            document.admin = admin.description
            return document.encodeJSON()
        }
        let path = try Self.tokenFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome: Result<Void, any Error>
        do {
            try await Self.scenario(server: server, tokenFile: path)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await server.stop()
        try outcome.get()
    }

    private static func scenario(server: LoopbackAdminServer, tokenFile: String) async throws {
        // Only the stats address and the token file are configured, as with `--stats ADDR --token-file F`.
        let endpoint = RouterEndpoint(name: "edge-http", stats: server.stats, tokenFile: tokenFile)
        let control = FleetServices.control(timeout: 5)

        // Before any confirmation the control calls the learned address without the token.
        let before = try await control.apply(.drain(node), to: endpoint)
        #expect(before == AdminAddressTrust.withheld(server.admin, router: endpoint.id))
        #expect(server.requests.count == 1)
        #expect(server.requests.first?.authorization == nil, "\(server.requests.first?.head ?? "")")

        // The node list of edge-http starts with api.example.com's 127.0.0.1:4041.
        let open: [ScriptStep] = [.waitFor { $0.snapshots >= 1 }, .key(.enter)]
        let declined = await runSession(open + [
            .key(.char("d")), .key(.char("y")), .key(.enter), .key(.char("q")),
        ], control: control, endpoints: [endpoint])
        #expect(declined.waitsTimedOut == 0)
        #expect(declined.statistics.editsStarted == 0)
        #expect(declined.screen.contains("cancelled: the admin token was not sent to \(server.admin)"), "\(declined.screen)")
        #expect(server.requests.count == 1, "declining sends nothing")

        let confirmed = await runSession(open + [
            .key(.char("d")), .key(.char("y")), .key(.char("y")),
            .waitFor { $0.editsFinished >= 1 }, .key(.char("q")),
        ], control: control, endpoints: [endpoint])
        #expect(confirmed.waitsTimedOut == 0)
        #expect(confirmed.statistics.editsStarted == 1)
        #expect(server.requests.count == 2)
        let sent = try #require(server.requests.last)
        #expect(sent.authorization == "Bearer \(token)")
        #expect(sent.head.hasPrefix("POST /v1/nodes/drain?router=http HTTP/1.1\r\n"), "\(sent.head)")
        #expect(confirmed.screen.contains("drain 127.0.0.1:4041 (api.example.com): applied"), "\(confirmed.screen)")
    }
}
