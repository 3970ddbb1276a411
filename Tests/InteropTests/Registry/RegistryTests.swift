import FleetRegistry
import Foundation
import RouterCoreTesting
import Testing

/// The fleet registry against a real etcd (Debian's etcd-server 3.4): the client, the
/// watcher's resume, fleetrouter's registration and fleettop's discovery.
@Suite("fleet registry on etcd", .requiresEtcd, .timeLimit(.minutes(3)))
struct RegistryTests {
    /// Polls `condition` every 50 ms until it holds or `timeout` passes.
    static func eventually(
        _ what: String, timeout: Duration = .seconds(15), _ condition: @Sendable () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw InteropError("not within \(timeout): \(what)")
    }

    /// A fleetrouter with an HTTP router and stats, registered in `location` (plus `extra`).
    static func registeredRouter(
        _ location: RegistryLocation, in directory: TemporaryDirectory, name: String = "fleetrouter", extra: [String]
    ) async throws -> FleetrouterProcess {
        try await FleetrouterProcess.start(
            ["--http", "127.0.0.1:0", "--http-to", "127.0.0.1:1", "--http-stats", "127.0.0.1:0",
             "--fleet-registry", location.description] + extra,
            in: directory, name: name)
    }

    static func names(_ client: EtcdClient, _ location: RegistryLocation) async throws -> [String] {
        let (kvs, _) = try await client.range(prefix: location.routersPrefix)
        return kvs.map { String($0.keyText.dropFirst(location.routersPrefix.count)) }.sorted()
    }

    @Test("put, range, lease, keep-alive, revoke and watch through the JSON gateway")
    func client() async throws {
        try await EtcdCluster.with { cluster in
            let client = EtcdClient(endpoints: cluster.endpoints)
            let watch = client.watch(prefix: "/t/", from: 1)
            var updates = watch.makeAsyncIterator()
            let created = try await updates.next()
            guard case .created = created else { throw InteropError("first watch message: \(String(describing: created))") }

            let lease = try await client.grantLease(ttl: 30)
            #expect(lease.ttl == 30)
            let revision = try await client.put("/t/a", value: Data("1".utf8), lease: lease.id)
            try await client.put("/t/b", value: Data("2".utf8))
            try await client.put("/u/c", value: Data("3".utf8))
            let (kvs, read) = try await client.range(prefix: "/t/")
            #expect(kvs.map(\.keyText) == ["/t/a", "/t/b"])
            #expect(kvs.first?.lease == lease.id)
            #expect(read >= revision + 1)
            #expect(try await client.keepAlive(lease: lease.id) == 30)

            try await client.revoke(lease: lease.id)
            #expect(try await client.keepAlive(lease: lease.id) == 0)
            #expect(try await client.range(prefix: "/t/").kvs.map(\.keyText) == ["/t/b"])

            // The watch saw both puts under /t/ and the delete by the revocation, not /u/c.
            var seen: [String] = []
            while seen.count < 3, let update = try await updates.next() {
                if case let .events(events, _) = update {
                    seen += events.map { "\($0.kind.rawValue) \($0.kv.keyText)" }
                }
            }
            #expect(seen == ["PUT /t/a", "PUT /t/b", "DELETE /t/a"])
        }
    }

    @Test("a call fails over to the next endpoint when the first does not answer")
    func failover() async throws {
        try await EtcdCluster.with { cluster in
            let dead = RegistryEndpoint.unix(path: cluster.directory.file("nobody.sock"))
            let client = EtcdClient(endpoints: [dead] + cluster.endpoints, timeout: .seconds(2))
            try await client.put("/f/x", value: Data("1".utf8))
            #expect(try await client.range(prefix: "/f/").kvs.count == 1)

            let alone = EtcdClient(endpoints: [dead], timeout: .seconds(2))
            do {
                _ = try await alone.range(prefix: "/f/")
                Issue.record("a range against a dead endpoint succeeded")
            } catch {
                #expect(String(describing: error).contains("nobody.sock"))
                #expect(String(describing: error).contains("range /f/"))
            }
        }
    }

    @Test("the watcher resumes after etcd restarts and misses no event")
    func watcherResumes() async throws {
        try await EtcdCluster.with { cluster in
            let location = cluster.location(prefix: "/fleet")
            let client = EtcdClient(endpoints: cluster.endpoints, timeout: .seconds(2))
            let record = { (name: String) in RouterRecord(name: name, stats: "127.0.0.1:1", kinds: ["http"], version: "t", host: "h") }
            try await client.put(location.routerKey("a"), value: record("a").encoded())
            let watcher = RegistryWatcher<RouterRecord>(prefix: location.routersPrefix, client: client)
            defer { watcher.stop() }
            var views = watcher.views.makeAsyncIterator()
            let first = try #require(await views.next())
            #expect(first.records.map(\.name) == ["a"])

            try await cluster.kill(0)
            try await cluster.restart(0)
            // Written while the watcher is reconnecting (it backs off from 200 ms).
            try await client.put(location.routerKey("b"), value: record("b").encoded())
            try await client.delete(location.routerKey("a"))
            var names: [String] = []
            while names != ["b"], let view = await views.next() { names = view.records.map(\.name) }
            #expect(names == ["b"])
        }
    }

    @Test("fleetrouter registers with its bound stats address, and a graceful stop removes it at once", .requiresFleetrouter)
    func registration() async throws {
        try await EtcdCluster.with { cluster in
            let location = cluster.location(prefix: "/fleet")
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let router = try await Self.registeredRouter(location, in: directory, extra: ["--fleet-registry-name", "web-1"])
            defer { router.process.signalGroup(SIGKILL) }
            let client = EtcdClient(endpoints: cluster.endpoints)
            try await Self.eventually("web-1 registered") { try await Self.names(client, location) == ["web-1"] }
            let (kvs, _) = try await client.range(prefix: location.routersPrefix)
            let record = try JSONDecoder().decode(RouterRecord.self, from: try #require(kvs.first).value)
            #expect(record.stats == (try router.endpoint(.statsServer, of: "http")).description)
            #expect(record.kinds == ["http"])
            #expect(record.pid == router.process.pid)
            #expect(kvs.first?.lease != 0)

            let status = await router.stop()
            #expect(status == .exited(0))
            // Revoked on the way out, not left to the 10 s lease.
            #expect(try await Self.names(client, location) == [])
        }
    }

    @Test("a router that dies is removed within its lease TTL", .requiresFleetrouter)
    func leaseExpiry() async throws {
        try await EtcdCluster.with { cluster in
            let location = cluster.location(prefix: "/fleet")
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let router = try await Self.registeredRouter(location, in: directory, extra: ["--fleet-registry-ttl", "2"])
            defer { router.process.signalGroup(SIGKILL) }
            let client = EtcdClient(endpoints: cluster.endpoints)
            try await Self.eventually("the router registered") { try await Self.names(client, location).count == 1 }
            let killed = ContinuousClock.now
            try await router.process.killGroup()
            try await Self.eventually("the registration expired", timeout: .seconds(10)) { try await Self.names(client, location).isEmpty }
            // TTL 2 s; etcd checks expiry about every 500 ms. The rest is this test's own polling
            // and etcd's leader loop on a loaded machine (5.15 s was seen in a full parallel run).
            // A lease left at the default 10 s TTL would take 10 s or more.
            let elapsed = killed.duration(to: .now)
            #expect(elapsed < .seconds(4) + Slowdown.scaled(.seconds(3)), "kill to removal took \(elapsed)")
        }
    }

    @Test("a bad registry address is refused at start, naming the option", .requiresFleetrouter)
    func badLocation() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let process = try await ManagedProcess.launch(
            name: "fleetrouter", executable: try FleetrouterBinary.require(),
            arguments: ["--http", "127.0.0.1:0", "--http-to", "127.0.0.1:1", "--http-stats", "127.0.0.1:0",
                        "--fleet-registry", "etcd://127.0.0.1:2379"],
            directory: directory.url)
        let status = try await process.waitForExit(timeout: .seconds(20))
        #expect(status != .exited(0))
        let log = process.lines.joined(separator: "\n")
        #expect(log.contains("--fleet-registry"))
        #expect(log.contains("names no key prefix"))
    }

    @Test("a missing registry password file is refused at start, naming the file", .requiresFleetrouter)
    func missingPasswordFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = directory.file("no-such.password")
        let process = try await ManagedProcess.launch(
            name: "fleetrouter", executable: try FleetrouterBinary.require(),
            arguments: ["--http", "127.0.0.1:0", "--http-to", "127.0.0.1:1", "--http-stats", "127.0.0.1:0",
                        "--fleet-registry", "etcd://127.0.0.1:1/fleet", "--fleet-registry-user", "root",
                        "--fleet-registry-password-file", missing],
            directory: directory.url)
        let status = try await process.waitForExit(timeout: .seconds(20))
        #expect(status != .exited(0))
        let log = process.lines.joined(separator: "\n")
        #expect(log.contains("--fleet-registry-password-file") && log.contains(missing) && log.contains("cannot be read"), "\(log)")
    }

    @Test("20 routers register; fleettop snapshot --registry sees all 20, then 19 after one is killed; a fleet drain reaches them and a 21st before it serves", .requiresFleetrouter)
    func twentyRouters() async throws {
        try await EtcdCluster.with { cluster in
            let location = cluster.location(prefix: "/fleet")
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let routers = try await withThrowingTaskGroup(of: FleetrouterProcess.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await Self.registeredRouter(
                            location, in: directory, name: "fleetrouter r\(index)",
                            extra: ["--fleet-registry-name", "r\(index)", "--fleet-registry-ttl", "2"])
                    }
                }
                var started: [FleetrouterProcess] = []
                for try await router in group { started.append(router) }
                return started
            }
            let client = EtcdClient(endpoints: cluster.endpoints)
            defer { for router in routers { router.process.signalGroup(SIGKILL) } }
            try await Self.eventually("20 registrations") { try await Self.names(client, location).count == 20 }

            let all = try await Fleettop.snapshotJSON(registry: location)
            #expect(all.keys.sorted() == (0..<20).map { "r\($0)" }.sorted())

            let victim = try #require(routers.first { $0.arguments.contains("r7") })
            try await victim.process.killGroup()
            try await Self.eventually("r7's lease expired", timeout: .seconds(10)) { try await Self.names(client, location).count == 19 }
            let rest = try await Fleettop.snapshotJSON(registry: location)
            #expect(rest.count == 19)
            #expect(rest["r7"] == nil)

            // A fleet-wide drain is applied by the 19, and by a 21st router before it serves.
            let (status, output) = try await IntentTests.fleettop(
                ["drain", "--registry", location.description, "--node", IntentTests.node, "--reason", "fleet test"])
            #expect(status == .exited(0), "\(output)")
            for router in routers where router !== victim {
                let probe = StatsProbe(endpoint: try router.endpoint(.statsServer, of: "http"))
                try await probe.wait("the fleet drain applied", attempts: 100) { IntentTests.drained($0) }
            }
            let late = try await Self.registeredRouter(location, in: directory, name: "fleetrouter r20", extra: ["--fleet-registry-name", "r20"])
            defer { late.process.signalGroup(SIGKILL) }
            let lateProbe = StatsProbe(endpoint: try late.endpoint(.statsServer, of: "http"))
            let first = try await offload { try lateProbe.read() }
            #expect(IntentTests.drained(first.document))
        }
    }

    @Test("a 3-member cluster loses no registration and no intent when its leader is killed", .requiresFleetrouter)
    func leaderKilled() async throws {
        try await EtcdCluster.with(size: 3) { cluster in
            let location = cluster.location(prefix: "/fleet")
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let router = try await Self.registeredRouter(location, in: directory, extra: ["--fleet-registry-name", "survivor", "--fleet-registry-ttl", "3"])
            defer { router.process.signalGroup(SIGKILL) }
            let client = EtcdClient(endpoints: cluster.endpoints, timeout: .seconds(2))
            try await Self.eventually("registered") { try await Self.names(client, location) == ["survivor"] }

            var leader: Int?
            for index in 0..<3 {
                let one = EtcdClient(endpoints: [.unix(path: cluster.clientSocket(index))])
                let status = try await one.status()
                if status.member == status.leader { leader = index }
            }
            let killed = try #require(leader)
            let store = IntentStore(location: location, client: client)
            _ = try await store.set(try FleetIntent.cheap("off", author: "t", time: 1, reason: "before the leader dies"))
            try await cluster.kill(killed)
            // Three lease TTLs later the registration must still be there: the router kept its
            // lease alive through another member.
            let until = ContinuousClock.now + .seconds(9)
            while ContinuousClock.now < until {
                #expect(try await Self.names(client, location) == ["survivor"])
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(try await store.list().map(\.intent.reason) == ["before the leader dies"])
        }
    }
}

/// The `fleettop` executable SwiftPM builds next to fleetrouter.
enum Fleettop {
    static func binary() throws -> URL {
        let url = try FleetrouterBinary.require().deletingLastPathComponent().appendingPathComponent("fleettop")
        guard FileManager.default.isExecutableFile(atPath: url.path) else { throw InteropError("fleettop not built at \(url.path)") }
        return url
    }

    /// `fleettop snapshot --json --registry LOCATION`, decoded: router name → stats document.
    static func snapshotJSON(registry: RegistryLocation) async throws -> [String: [String: AnyJSON]] {
        try JSONDecoder().decode([String: [String: AnyJSON]].self, from: try await snapshotOutput(registry: registry))
    }

    /// The JSON `fleettop snapshot --json --registry LOCATION` prints (its notices left out).
    static func snapshotOutput(registry: RegistryLocation) async throws -> Data {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let process = try await ManagedProcess.launch(
            name: "fleettop snapshot", executable: try binary(),
            arguments: ["snapshot", "--json", "--registry", registry.description, "--timeout", "5"],
            directory: directory.url)
        let status = try await process.waitForExit(timeout: .seconds(30))
        try await process.waitForOutputEnd(timeout: .seconds(5))
        guard status == .exited(0) else { throw InteropError("fleettop snapshot: \(status)\n\(process.logTail)") }
        return Data(process.lines.filter { !$0.hasPrefix("fleettop:") }.joined(separator: "\n").utf8)
    }
}

/// Any JSON value, for documents a test only counts or looks up.
struct AnyJSON: Decodable, Sendable {
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { return }
        if (try? container.decode(Bool.self)) != nil { return }
        if (try? container.decode(Double.self)) != nil { return }
        if (try? container.decode(String.self)) != nil { return }
        if (try? container.decode([AnyJSON].self)) != nil { return }
        _ = try container.decode([String: AnyJSON].self)
    }
}
