import DataPlaneTesting
import Foundation
import NIOCore
import NIOSSL
import RouterWire
import Testing
@testable import RouterConfig
@testable import RouterRuntime

/// Each router family started once with every option its part of the option table applies
/// (and the instance-wide ones spread over the families), each set to a sensible value: the
/// process starts, and one request through it is served. The option lists come from the option
/// table, so an option added to a router without a place here fails `everyAppliedOptionIsSet`.
/// Options a family's run leaves out are in `leftOut`, each with the test that covers it.
@Suite("Every applied option of each router family at once: the router starts and serves", .serialized)
struct EveryOptionTests {
    /// Option names (without dashes; `-suffix` for every router's) a family's run leaves out.
    static let leftOut: [String: String] = [
        "-zerg": "needs a zerg server: InheritedListenerTests runs real uWSGI's",
        "-uid": "would drop this test process's privileges: OwnerTests runs the binary",
        "-gid": "would drop this test process's privileges: OwnerTests runs the binary",
        "uid": "would drop this test process's privileges: OwnerTests runs the binary",
        "gid": "would drop this test process's privileges: OwnerTests runs the binary",
        "-use-code-string": "a router has one code forwarder and -use-code-socket is it here: CodeForwarderTests loads a shared object",
        "-use-code-resolver": "a router has one code forwarder and -use-code-socket is it here: CodeForwarderTests registers one",
        "-use-socket": "refused at start, with its reason in --help (ReferenceOptionCoverageTests)",
        "subscriptions-sign-check": "would refuse this test's unsigned announce: SubscriptionTrustTests and SignedSubscriptionTests",
        "subscriptions-credentials-check": "would refuse this test's announce (UDP carries no credentials): SubscriptionTrustTests",
        "tuntap": "the tuntap router needs CAP_NET_ADMIN and network namespaces: TuntapRouterTests (interop)",
    ]

    /// True when `entry` is left out of the runs.
    static func isLeftOut(_ entry: OptionEntry) -> Bool {
        if entry.kind == .tuntap { return true }
        return entry.names.contains { name in
            leftOut[name] != nil || leftOut.keys.contains { $0.hasPrefix("-") && name.hasSuffix($0) && entry.kind != nil }
        }
    }

    /// True when `arguments` give `entry` by one of its names.
    static func sets(_ arguments: [String], _ entry: OptionEntry) -> Bool {
        entry.names.contains { name in arguments.contains { $0 == "--\(name)" || $0.hasPrefix("--\(name)=") } }
    }

    /// What a family's command line names: a directory, the certificate files and the node.
    struct Paths {
        let directory: String
        let certificate: String
        let key: String
        let ca: String
        let nodeAddress: String
    }

    /// What every family run needs: a node, test certificates and a directory.
    struct Fixture {
        let directory: String
        let certificates: TestCertificates
        let node: FakeUwsgiNode

        var nodeAddress: String { "127.0.0.1:\(node.port)" }
        var paths: Paths {
            Paths(directory: directory, certificate: certificates.serverCertificate, key: certificates.serverKey,
                  ca: certificates.caCertificate, nodeAddress: nodeAddress)
        }
    }

    /// The options every mapping corerouter (`prefix`) shares, all of them set.
    static func corerouter(_ prefix: String, _ fixture: Paths) -> [String] {
        let d = fixture.directory
        return [
            "--\(prefix)-to", fixture.nodeAddress, "--\(prefix)-subscription-server", "127.0.0.1:0",
            "--\(prefix)-stats", "127.0.0.1:0", "--\(prefix)-cheap", "--\(prefix)-fallback", fixture.nodeAddress,
            "--\(prefix)-timeout", "30", "--\(prefix)-gracetime", "5", "--\(prefix)-max-retries", "2",
            "--\(prefix)-workers", "2", "--\(prefix)-quiet", "1", "--\(prefix)-buffer-size", "8192",
            "--\(prefix)-harakiri", "120", "--\(prefix)-events", "32", "--\(prefix)-max-connections", "100",
            "--\(prefix)-use-base", "\(d)/nodes/", "--\(prefix)-use-pattern", "\(d)/nodes/%s.sock",
            // The cache is the mapper uWSGI picks first of all of these: it routes here.
            "--\(prefix)-use-cache", "--\(prefix)-use-code-socket", "\(d)/resolver.sock", "--\(prefix)-code-timeout", "500",
        ]
    }

    /// The cache every family routes through, fed by a datagram (the first cache is the one
    /// `--cache-udp-server` feeds and an unnamed `-use-cache` reads).
    static let cacheOptions = ["--cache", "4", "--cache2", "name=routes,items=8", "--cache-udp-server", "127.0.0.1:0",
                               "--subscription-tolerance", "3600"]

    static func http(_ fixture: Paths) -> [String] {
        let d = fixture.directory
        // The plain listener is shared socket 0 (uWSGI's early-bound socket).
        return ["--shared-socket", "127.0.0.1:0", "--http", "=0"] + corerouter("http", fixture) + [
            "--http-subscription-fallback-key", "fallback.local", "--http-resubscribe", "127.0.0.1:9",
            "--http-post-buffering", "4096", "--http-post-buffering-dir", d,
            "--http-keepalive", "5", "--http-headers-timeout", "10", "--http-connect-timeout", "5",
            "--http-chunked-input", "--http-auto-chunked", "--http-auto-gzip", "--http-websockets", "--http-nolinger",
            "--http-manage-source", "--http-manage-rtsp", "--http-raw-body", "--http-enable-proxy-protocol",
            "--https-export-cert", "--http-manage-expect", "100000", "--http-modifier1", "0", "--http-modifier2", "0",
            "--http-var", "FLEET_OPTION=1", "--http-server-name-as-http-host", "1",
            "--http-proxy-protocol-allow", "127.0.0.1/32", "--http-stud-prefix", "10.9.9.9",
            "--https-session-context", "web",
            "--https2", "addr=127.0.0.1:0,cert=\(fixture.certificate),key=\(fixture.key),ciphers=HIGH,clientca=\(fixture.ca)",
            "--https", "127.0.0.1:0,\(fixture.certificate),\(fixture.key)", "--http-to-https", "127.0.0.1:0,443",
            // Instance-wide options.
            "--subscription-algo", "wlrc", "--subscription-mountpoints", "1", "--subscription-dotsplit",
            "--subscriptions-sign-check-tolerance", "600", "--subscriptions-sign-skip-uid", "0", "--subscriptions-use-credentials",
            "--stats-http", "--socket-timeout", "5", "--enable-proxy-protocol", "--no-defer-accept", "--ssl-verbose",
            "--ssl-sessions-timeout", "600", "--sni", "a.example \(fixture.certificate),\(fixture.key)",
            "--sni-regexp", "^b[0-9]+\\.example$ \(fixture.certificate),\(fixture.key)",
            "--sni-dir", "\(d)/sni", "--sni-dir-ciphers", "HIGH", "--ssl-tmp-dir", d,
        ] + cacheOptions
    }

    static func fastrouter(_ fixture: Paths) -> [String] {
        ["--fastrouter", "127.0.0.1:0"] + corerouter("fastrouter", fixture) + [
            "--fastrouter-subscription-fallback-key", "fallback.local", "--fastrouter-resubscribe", "127.0.0.1:9",
            "--fastrouter-resubscribe-bind", "127.0.0.1:0",
            "--fastrouter-post-buffering", "4096", "--fastrouter-post-buffering-dir", fixture.directory,
            "--fastrouter-force-key", "app.local", "--fastrouter-fallback-on-no-key",
        ] + cacheOptions
    }

    static func rawrouter(_ fixture: Paths) -> [String] {
        ["--rawrouter", "127.0.0.1:0"] + corerouter("rawrouter", fixture) + ["--rawrouter-xclient"] + cacheOptions
    }

    static func sslrouter(_ fixture: Paths) -> [String] {
        let c = fixture
        return ["--sslrouter-session-context", "tls",
                "--sslrouter2", "addr=127.0.0.1:0,cert=\(c.certificate),key=\(c.key),ciphers=HIGH,clientca=\(c.ca)",
                "--sslrouter", "127.0.0.1:0,\(c.certificate),\(c.key)", "--sslrouter-sni"]
            + corerouter("sslrouter", fixture) + cacheOptions
    }

    static func forkptyrouter(_ fixture: Paths) -> [String] {
        ["--forkptyrouter", "\(fixture.directory)/pty.sock", "--forkptyurouter", "127.0.0.1:0", "--forkptyrouter-command", "/bin/sh",
         "--forkptyrouter-rows", "30", "--forkptyrouter-cols", "100", "--forkptyrouter-workers", "2",
         "--forkptyrouter-stats", "127.0.0.1:0", "--forkptyrouter-timeout", "30", "--forkptyrouter-harakiri", "120",
         "--forkptyrouter-events", "32", "--forkptyrouter-max-connections", "10"]
    }

    /// Every family's arguments, for a fixture whose files need not exist (coverage only).
    static func allArguments(_ fixture: Paths) -> [RouterKind: [String]] {
        [.http: http(fixture), .fastrouter: fastrouter(fixture), .rawrouter: rawrouter(fixture),
         .sslrouter: sslrouter(fixture), .forkptyrouter: forkptyrouter(fixture)]
    }

    /// Runs `body` with a fresh directory, test certificates and a node answering `answer`.
    static func withFixture<T>(_ answer: FakeUwsgiNode.Answer, _ body: (Fixture) async throws -> T) async throws -> T {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        try FileManager.default.createDirectory(atPath: "\(directory)/sni", withIntermediateDirectories: true)
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let node = try await FakeUwsgiNode.start(answer, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        return try await body(Fixture(directory: directory, certificates: certificates, node: node))
    }

    /// Starts the process, puts `key` → the node in the first cache, announces the node (so
    /// cheap mode ends) and runs `body` with the process; stops it after.
    static func withRouter<T>(_ arguments: [String], key: String, _ fixture: Fixture,
                              _ body: (FleetRouterHarness) async throws -> T) async throws -> T {
        let harness = try await FleetRouterHarness.start(directory: fixture.directory, arguments: arguments)
        do {
            let cache = try SubscriptionSender(to: SocketAddressSpec(parsing: "127.0.0.1:\(try harness.port(.cacheUDP))"))
            try cache.send(try CacheUDPPacket.set(key: Array(key.utf8), value: Array(fixture.nodeAddress.utf8), expires: nil).encoded())
            if harness.process.boundAddress(.subscription) != nil { try harness.subscribe(fixture.node, key: "announce.local") }
            let result = try await body(harness)
            await harness.stop()
            return result
        } catch {
            await harness.stop()
            throw error
        }
    }

    /// The bound port of the `index`th listener of the process.
    static func listenerPort(_ harness: FleetRouterHarness, _ index: Int = 0) throws -> Int {
        let listeners = harness.process.boundSockets.filter { $0.role == .listener }
        guard index < listeners.count, let colon = listeners[index].bound.lastIndex(of: ":"),
              let port = Int(listeners[index].bound[listeners[index].bound.index(after: colon)...]) else {
            throw TestTimeout(what: "listener \(index) of \(listeners.map(\.bound))")
        }
        return port
    }

    /// Repeats `attempt` (each bounded by its own client timeout) until it returns a value or
    /// 20 s pass: the cache datagram and the announce are applied a moment after they are sent.
    static func eventually<T: Sendable>(_ what: String, _ attempt: @escaping @Sendable () throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(20)
        var last = ""
        while ContinuousClock.now < deadline {
            do {
                if let value = try await RouterHarness.blocking(attempt) { return value }
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestTimeout(what: "\(what) (last: \(last))")
    }

    // MARK: coverage

    @Test("every option a router family's table applies is set in that family's run, or left out with the test that covers it")
    func everyAppliedOptionIsSet() throws {
        let all = Self.allArguments(Paths(directory: "/tmp/d", certificate: "/tmp/d/s.crt", key: "/tmp/d/s.key", ca: "/tmp/d/ca.crt",
                                          nodeAddress: "127.0.0.1:1"))
        var missing: [String] = []
        for entry in OptionTable.entries {
            guard case .apply = entry.effect, !Self.isLeftOut(entry) else { continue }
            if let kind = entry.kind {
                if !Self.sets(all[kind] ?? [], entry) { missing.append("--\(entry.names[0]) (\(kind.prefix))") }
            } else if entry.group == .instance, !all.values.contains(where: { Self.sets($0, entry) }) {
                missing.append("--\(entry.names[0]) (instance-wide)")
            }
        }
        #expect(missing.isEmpty, "set nowhere: \(missing)")
        // Every family's arguments parse, and nothing in them is refused.
        for (kind, arguments) in all {
            let (configuration, _) = try RouterConfiguration.parse(arguments: arguments) { _ in "" }
            #expect(configuration.router(kind) != nil)
            #expect(UnappliedOptions(configuration).refused.isEmpty, "\(kind)")
        }
    }

    // MARK: the runs

    /// Sends `request` to `port` until a 200 comes back (bounded) and returns it.
    static func served(_ harness: FleetRouterHarness, _ request: [UInt8]) async throws -> HTTPTestResponse {
        let port = try listenerPort(harness)
        return try await eventually("a 200 through the listener on \(port)") {
            let client = try BlockingClient(port: port, timeoutSeconds: 5)
            try client.send(request)
            let response = try client.readResponse()
            return response.status == 200 ? response : nil
        }
    }

    @Test("http (plain on a shared socket, HTTPS and redirect listeners): starts with every option and serves a request", .everyTransport)
    func httpServes() async throws {
        try await Self.withFixture(.contentLength) { fixture in
            try await Self.withRouter(Self.http(fixture.paths), key: "app.local", fixture) { harness in
                let response = try await Self.served(harness, Array("GET / HTTP/1.1\r\nHost: app.local\r\nConnection: close\r\n\r\n".utf8))
                #expect(response.vars["FLEET_OPTION"] == "1")
                #expect(response.vars["SERVER_NAME"] == "app.local")
            }
        }
    }

    @Test("fastrouter: starts with every option and serves a uwsgi request (its key forced)", .everyTransport)
    func fastrouterServes() async throws {
        try await Self.withFixture(.contentLength) { fixture in
            try await Self.withRouter(Self.fastrouter(fixture.paths), key: "app.local", fixture) { harness in
                let response = try await Self.served(harness, Array(StreamMachineSupport.request(method: "GET", key: "other.key").readableBytesView))
                #expect(response.vars["REQUEST_METHOD"] == "GET")
            }
        }
    }

    @Test("rawrouter: starts with every option and relays an SMTP node's XCLIENT answer", .everyTransport)
    func rawrouterServes() async throws {
        try await Self.withFixture(.smtp) { fixture in
            // The raw router's key is its listener's name as configured.
            try await Self.withRouter(Self.rawrouter(fixture.paths), key: "127.0.0.1:0", fixture) { harness in
                let port = try Self.listenerPort(harness)
                let expected = "250 XCLIENT ADDR=127.0.0.1\r\n"
                let first = try await Self.eventually("the XCLIENT answer through the raw router") {
                    let client = try BlockingClient(port: port, timeoutSeconds: 5)
                    let first = String(decoding: try client.read(count: expected.utf8.count), as: UTF8.self)
                    return first == expected ? first : nil
                }
                #expect(first == expected)
            }
        }
    }

    @Test("sslrouter: starts with every option and relays a TLS client's bytes to the node the SNI name routes to")
    func sslrouterServes() async throws {
        try await Self.withFixture(.rawEcho) { fixture in
            try await Self.withRouter(Self.sslrouter(fixture.paths), key: "a.example", fixture) { harness in
                let port = try Self.listenerPort(harness)
                let context = try HTTPSListenerTests.clientContext(fixture.certificates, withCertificate: false)
                let deadline = ContinuousClock.now + .seconds(20)
                var text = ""
                while ContinuousClock.now < deadline {
                    let connection = try await TestClient.connect(
                        try SocketAddressSpec(parsing: "127.0.0.1:\(port)"), group: RouterHarness.group, request: "ping", timeout: .seconds(5)
                    ) { channel in
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: "a.example"))
                    }
                    // The echo, or the close of a client the router had no node for yet.
                    try await connection.firstBytes()
                    text = String(decoding: connection.received, as: UTF8.self)
                    try? await connection.channel.close()
                    if text.hasPrefix("ping") { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(text.hasPrefix("ping"), "\(text)")
            }
        }
    }

    @Test("forkptyrouter: starts with every option and runs a shell with the configured window")
    func forkptyrouterServes() async throws {
        try await Self.withFixture(.contentLength) { fixture in
            let harness = try await FleetRouterHarness.start(directory: fixture.directory, arguments: Self.forkptyrouter(fixture.paths))
            do {
                let path = "\(fixture.directory)/pty.sock"
                let output = try await RouterHarness.blocking {
                    let client = try PtyTestClient(unixPath: path)
                    try client.send(Array("stty size; echo every-$((6*7))\n".utf8))
                    return try client.read(until: "every-42")
                }
                #expect(output.contains("30 100\r\n"), "\(output)")
            } catch {
                await harness.stop()
                throw error
            }
            await harness.stop()
        }
    }
}
