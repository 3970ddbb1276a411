import Foundation
import RouterWire
import Testing
@testable import FleetRegistry

private struct UserAdd: Encodable { var name: String; var password: String }
private struct UserGrant: Encodable { var user: String; var role: String }
private struct Nothing: Encodable {}
private struct Answer: Decodable {}

/// A registry with etcd's authentication on: fleetrouter registers and follows intents as a
/// user, and fleettop writes an intent only with credentials, each refusal saying why.
@Suite("fleet registry with etcd authentication", .requiresEtcd, .requiresFleetrouter, .timeLimit(.minutes(3)))
struct RegistryAuthTests {
    /// Adds `root` (password `rootPassword`) with the root role, a user `nobody` without any
    /// role, and turns authentication on.
    static func enableAuthentication(_ cluster: EtcdCluster, rootPassword: String) async throws {
        let client = EtcdClient(endpoints: cluster.endpoints)
        let _: Answer = try await client.unary("/v3/auth/user/add", UserAdd(name: "root", password: rootPassword), call: "user add root")
        let _: Answer = try await client.unary("/v3/auth/user/grant", UserGrant(user: "root", role: "root"), call: "grant root")
        let _: Answer = try await client.unary("/v3/auth/user/add", UserAdd(name: "nobody", password: "nobody-pw"), call: "user add nobody")
        let _: Answer = try await client.unary("/v3/auth/enable", Nothing(), call: "auth enable")
    }

    @Test("a router registers and applies a drain as an etcd user; fleettop's intent needs credentials, and says so")
    func authenticatedFleet() async throws {
        try await EtcdCluster.with { cluster in
            let password = "pw-\(UInt64.random(in: 0...UInt64.max))"
            try await Self.enableAuthentication(cluster, rootPassword: password)
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let passwordFile = directory.file("etcd.password")
            try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
            let wrongFile = directory.file("wrong.password")
            try Data("not-it\n".utf8).write(to: URL(fileURLWithPath: wrongFile))
            let location = cluster.location(prefix: "/fleet")
            var authenticated = location
            authenticated.credentials = try EtcdCredentials(user: "root", passwordFile: passwordFile)

            // Without credentials the cluster answers nothing, and the reason says what to give.
            do {
                _ = try await EtcdClient(location: location).range(prefix: location.routersPrefix)
                Issue.record("an unauthenticated read succeeded on a cluster with authentication on")
            } catch {
                let text = "\(error)"
                #expect(text.contains("authentication on") && text.contains("--registry-user"), "\(text)")
            }

            let router = try await RegistryTests.registeredRouter(
                location, in: directory, name: "fleetrouter auth",
                extra: ["--fleet-registry-name", "r0", "--fleet-registry-user", "root", "--fleet-registry-password-file", passwordFile])
            defer { router.process.signalGroup(SIGKILL) }
            let client = EtcdClient(location: authenticated)
            try await RegistryTests.eventually("the router registered as root") {
                try await RegistryTests.names(client, location) == ["r0"]
            }

            let drain = ["drain", "--registry", location.description, "--node", IntentTests.node, "--reason", "auth test", "--operator", "alice"]
            let (refused, refusal) = try await IntentTests.fleettop(drain)
            #expect(refused != .exited(0))
            #expect(refusal.contains("authentication on"), "\(refusal)")
            let (wrong, wrongOutput) = try await IntentTests.fleettop(drain + ["--registry-user", "root", "--registry-password-file", wrongFile])
            #expect(wrong != .exited(0))
            #expect(wrongOutput.contains("wrong user name or password"), "\(wrongOutput)")
            let nobodyFile = directory.file("nobody.password")
            try Data("nobody-pw\n".utf8).write(to: URL(fileURLWithPath: nobodyFile))
            let (denied, deniedOutput) = try await IntentTests.fleettop(drain + ["--registry-user", "nobody", "--registry-password-file", nobodyFile])
            #expect(denied != .exited(0))
            #expect(deniedOutput.contains("permission denied"), "\(deniedOutput)")
            #expect(try await IntentStore(location: authenticated, client: client).list().isEmpty, "no refused call wrote anything")

            let (status, output) = try await IntentTests.fleettop(drain + ["--registry-user", "root", "--registry-password-file", passwordFile])
            #expect(status == .exited(0), "\(output)")
            // The router's intent watch, authenticated too, applies it.
            let probe = StatsProbe(endpoint: try router.endpoint(.statsServer, of: "http"))
            try await probe.wait("the drain applied through an authenticated watch", attempts: 100) { IntentTests.drained($0) }
        }
    }

    @Test("credentials: the password is the file's first line; bad files and users are named")
    func credentialsFromFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.file("pw")
        try Data("s3cret\r\nignored\n".utf8).write(to: URL(fileURLWithPath: file))
        let credentials = try EtcdCredentials(user: "root", passwordFile: file)
        #expect(credentials.password == "s3cret")
        #expect("\(credentials)" == "user root", "the password is never printed")
        let empty = directory.file("empty")
        try Data("\n".utf8).write(to: URL(fileURLWithPath: empty))
        #expect(throws: EtcdCredentialsError.self) { try EtcdCredentials(user: "root", passwordFile: empty) }
        #expect(throws: EtcdCredentialsError.self) { try EtcdCredentials(user: "root", passwordFile: directory.file("missing")) }
        #expect(throws: EtcdCredentialsError.self) { try EtcdCredentials(user: "", passwordFile: file) }
        do {
            _ = try EtcdCredentials(user: "root", passwordFile: directory.file("missing"))
        } catch {
            #expect(error.description.contains("missing") && error.description.contains("cannot be read"))
        }
    }
}
