import FleetModel
import RouterWire
import Testing
@testable import FleetClient

#if canImport(Glibc)
import Glibc
#endif

/// Edits to fleetrouter through a fake admin API on loopback.
@Suite struct AdminClientTests {
    let client = NIOFleetControl(configuration: .init(timeout: .seconds(2)))
    let node = NodeRef(key: "app.local", address: "127.0.0.1:3031")

    /// A token file with `content`; returns its path.
    private func tokenFile(_ content: String) throws -> String {
        let path = "/tmp/\(TestNames.unique("token"))"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw TestSockets.Failure(description: "cannot create \(path)") }
        defer { close(fd) }
        _ = Array(content.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        return path
    }

    private func answering(_ status: String, _ body: [UInt8]) async throws -> FakeStatsServer {
        try await FakeStatsServer.start(.answerHTTPRequest { _, _ in
            Array("HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body
        })
    }

    @Test func drainSendsTheAdminCallWithTheToken() async throws {
        let reply = AdminResponse(ok: true, operation: "drain", message: "draining 127.0.0.1:3031").encodeJSON()
        let server = try await answering("200 OK", reply)
        defer { Task { await server.stop() } }
        let path = try tokenFile("s3cret\n")
        defer { unlink(path) }
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 1), admin: server.address, tokenFile: path)
        let document = Samples.fleetrouter(admin: server.address.description)

        let outcome = try await client.apply(.drain(node), to: endpoint, latest: document)
        #expect(outcome == .applied)
        let request = try #require(server.requests.first)
        #expect(request.head.hasPrefix("POST /v1/nodes/drain?router=http HTTP/1.1\r\n"))
        #expect(request.head.contains("\r\nAuthorization: Bearer s3cret"))
        #expect(request.body == AdminRequest.drain(node).body)
        #expect(server.requests.count == 1)
    }

    @Test func theTokenIsNeverSentToAnAdminAddressLearnedFromStatsUntilConfirmed() async throws {
        let server = try await FakeStatsServer.start(.answerHTTPRequest { _, _ in
            let body = Array(#"{"error":"this edit needs Authorization: Bearer <token>"}"#.utf8)
            return Array("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body
        })
        defer { Task { await server.stop() } }
        let path = try tokenFile("s3cret\n")
        defer { unlink(path) }
        // No admin address configured: the stats document names one.
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 1), tokenFile: path)
        let document = Samples.fleetrouter(admin: server.address.description)
        let control = NIOFleetControl(configuration: .init(timeout: .seconds(2)))

        let outcome = try await control.apply(.drain(node), to: endpoint, latest: document)
        #expect(outcome == AdminAddressTrust.withheld(server.address, router: endpoint.id))
        let first = try #require(server.requests.first)
        #expect(!first.head.lowercased().contains("authorization"))

        control.adminTrust.confirm(server.address, for: endpoint.id)
        _ = try await control.apply(.drain(node), to: endpoint, latest: document)
        #expect(server.requests.count == 2)
        #expect(server.requests.last?.head.contains("\r\nAuthorization: Bearer s3cret") == true)
    }

    @Test func aTokenFileOthersMayReadIsRefusedNamingItsMode() async throws {
        let path = try tokenFile("s3cret\n")
        defer { unlink(path) }
        chmod(path, 0o644)
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 1), admin: .tcp(host: "127.0.0.1", port: 1), tokenFile: path)
        let document = Samples.fleetrouter(admin: "127.0.0.1:1")
        do {
            _ = try await client.apply(.drain(node), to: endpoint, latest: document)
            Issue.record("a 0644 token file was used")
        } catch {
            #expect("\(error)".contains("permissions 0644 for '\(path)' are too open"))
        }
    }

    @Test func clearWeightSendsANullWeight() async throws {
        let reply = AdminResponse(ok: true, operation: "weight", message: "cleared").encodeJSON()
        let server = try await answering("200 OK", reply)
        defer { Task { await server.stop() } }
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 1), admin: server.address)
        let outcome = try await client.apply(.clearWeight(node), to: endpoint, latest: Samples.fleetrouter(admin: nil))
        #expect(outcome == .applied)
        let request = try #require(server.requests.first)
        #expect(request.head.hasPrefix("POST /v1/nodes/weight?router=http HTTP/1.1\r\n"))
        #expect(!request.head.contains("Authorization"))
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"key":"app.local","node":"127.0.0.1:3031","weight":null}"#)
    }

    @Test(arguments: [
        ("401 Unauthorized", "unauthorized (HTTP 401): this edit needs Authorization: Bearer <token>"),
        ("403 Forbidden", "forbidden (HTTP 403): this edit needs Authorization: Bearer <token>"),
    ])
    func unauthorizedAndForbiddenAreRefused(status: String, reason: String) async throws {
        let server = try await answering(status, Array(#"{"error":"this edit needs Authorization: Bearer <token>","status":401}"#.utf8))
        defer { Task { await server.stop() } }
        let path = try tokenFile("wrong")
        defer { unlink(path) }
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 1), admin: server.address, tokenFile: path)
        let outcome = try await client.apply(.setCheap(.on), to: endpoint, latest: Samples.fleetrouter(admin: nil))
        #expect(outcome == .refused(reason: reason))
    }

    @Test func serverErrorIsAFailure() async throws {
        let server = try await answering("503 Service Unavailable", Array(#"{"error":"shutting down","status":503}"#.utf8))
        defer { Task { await server.stop() } }
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 1), admin: server.address)
        let outcome = try await client.apply(.undrain(node), to: endpoint, latest: Samples.fleetrouter(admin: nil))
        #expect(outcome == .failed(error: "HTTP 503: shutting down"))
    }

    @Test func unreadableTokenFileIsAnErrorNamingTheFile() async throws {
        let missing = "/tmp/\(TestNames.unique("missing-token"))"
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 1), admin: .tcp(host: "127.0.0.1", port: 1), tokenFile: missing)
        do {
            _ = try await client.apply(.drain(node), to: endpoint, latest: Samples.fleetrouter(admin: nil))
            Issue.record("expected an error")
        } catch {
            #expect(error == .unreadableTokenFile(router: "f", path: missing, reason: "No such file or directory"))
            #expect(error.description.contains(missing))
        }
        let empty = try tokenFile(" \n")
        defer { unlink(empty) }
        let emptyEndpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 1), admin: .tcp(host: "127.0.0.1", port: 1), tokenFile: empty)
        await #expect(throws: EditError.emptyTokenFile(router: "f", path: empty)) {
            try await client.apply(.drain(node), to: emptyEndpoint, latest: Samples.fleetrouter(admin: nil))
        }
    }

    @Test func unreachableAdminIsAFailureNamingTheAddress() async throws {
        let address = StatsAddress.tcp(host: "127.0.0.1", port: try TestSockets.closedPort())
        let endpoint = RouterEndpoint(name: "f", stats: .tcp(host: "127.0.0.1", port: 1), admin: address)
        let outcome = try await client.apply(.drain(node), to: endpoint, latest: Samples.fleetrouter(admin: nil))
        guard case let .failed(error) = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(error.contains("connection refused"))
        #expect(error.contains(address.description))
    }

    @Test func applyWithoutDocumentPollsFirst() async throws {
        let reply = AdminResponse(ok: true, operation: "kick", message: "kicked").encodeJSON()
        let admin = try await answering("200 OK", reply)
        let stats = try await FakeStatsServer.start(.writeOnConnect(Samples.encoded(Samples.fleetrouter(admin: admin.address.description))))
        defer { Task { await admin.stop(); await stats.stop() } }
        let endpoint = RouterEndpoint(name: "fresh", stats: stats.address)
        let outcome = try await client.apply(.kick(node), to: endpoint)
        #expect(outcome == .applied)
        #expect(admin.requests.first?.head.hasPrefix("POST /v1/nodes/kick?router=http ") == true)
    }
}
