import NIOCore
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("Session client addresses in the stats")
struct SessionClientAddressTests {
    @Test("IPv4 and IPv6 clients read host:port and [host]:port, never NIO's debugging form", arguments: [
        ("127.0.0.1", 40123, "127.0.0.1:40123"),
        ("::1", 40124, "[::1]:40124"),
        ("fe80::1", 1, "[fe80::1]:1"),
    ])
    func inet(host: String, port: Int, shown: String) throws {
        let address = try SocketAddress(ipAddress: host, port: port)
        let described = SessionClientAddress.describe(remote: address)
        #expect(described == shown)
        #expect(!described.contains("IPv"))
        #expect(!described.contains("/"))
    }

    @Test("a unix client shows its own path when bound, else the listener's path")
    func unix() throws {
        let bound = try SocketAddress(unixDomainSocketPath: "/tmp/fleettop-client.sock")
        let listener = try SocketAddress(unixDomainSocketPath: "/run/fleettop/http.sock")
        let unbound = try SocketAddress(unixDomainSocketPath: "")
        #expect(SessionClientAddress.describe(remote: bound, local: listener) == "/tmp/fleettop-client.sock")
        #expect(SessionClientAddress.describe(remote: unbound, local: listener) == "/run/fleettop/http.sock")
        #expect(SessionClientAddress.describe(remote: unbound) == "unix")
    }

    @Test("no client address reads -")
    func missing() {
        #expect(SessionClientAddress.describe(remote: nil) == "-")
    }

    @Test("a session record's snapshot and stats entry carry the short form")
    func snapshot() throws {
        let record = SessionRecord(client: try SocketAddress(ipAddress: "127.0.0.1", port: 5000))
        let snapshot = record.snapshot(now: .now())
        #expect(snapshot.client == "127.0.0.1:5000")
        #expect(StatsDocument.Session(snapshot: snapshot).client == "127.0.0.1:5000")
    }
}
