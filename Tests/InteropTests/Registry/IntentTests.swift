import FleetRegistry
import Foundation
import RouterWire
import Testing

/// Fleet-wide intents through a real etcd: written by `fleettop intent`, applied by every
/// registered fleetrouter, and by one started later before it serves.
@Suite("fleet intents on etcd", .requiresEtcd, .requiresFleetrouter, .timeLimit(.minutes(3)))
struct IntentTests {
    static let node = "127.0.0.1:1"

    /// True when the router's static node is drained by the operator state in force.
    static func drained(_ document: StatsDocument) -> Bool {
        document.staticNodes?.first { $0.name == node }?.operatorFields.drain == 1
    }

    static func fleettop(_ arguments: [String]) async throws -> (ExitStatus, String) {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let process = try await ManagedProcess.launch(
            name: "fleettop intent", executable: try Fleettop.binary(), arguments: ["intent"] + arguments, directory: directory.url)
        let status = try await process.waitForExit(timeout: .seconds(30))
        try await process.waitForOutputEnd(timeout: .seconds(5))
        return (status, process.lines.joined(separator: "\n"))
    }

    @Test("a fleet-wide drain reaches every router, one started later before it serves, and clearing it undoes it everywhere")
    func drainEverywhere() async throws {
        try await EtcdCluster.with { cluster in
            let location = cluster.location(prefix: "/fleet")
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            var routers: [FleetrouterProcess] = []
            defer { for router in routers { router.process.signalGroup(SIGKILL) } }
            for index in 0..<3 {
                routers.append(try await RegistryTests.registeredRouter(
                    location, in: directory, name: "fleetrouter r\(index)", extra: ["--fleet-registry-name", "r\(index)"]))
            }
            let probes = try routers.map { StatsProbe(endpoint: try $0.endpoint(.statsServer, of: "http")) }
            for probe in probes { #expect(!Self.drained(try await offload { try probe.read() }.document)) }

            let (status, output) = try await Self.fleettop(
                ["drain", "--registry", location.description, "--node", Self.node, "--reason", "kernel upgrade", "--operator", "alice"])
            #expect(status == .exited(0), "\(output)")
            #expect(output.contains("drain_127.0.0.1:1"))
            for probe in probes { try await probe.wait("the fleet drain applied", attempts: 100) { Self.drained($0) } }

            // A router started now holds the drain in its very first stats document.
            let late = try await RegistryTests.registeredRouter(location, in: directory, name: "fleetrouter late", extra: ["--fleet-registry-name", "late"])
            routers.append(late)
            let lateProbe = StatsProbe(endpoint: try late.endpoint(.statsServer, of: "http"))
            let first = try await offload { try lateProbe.read() }
            #expect(Self.drained(first.document))

            // A second operator's drain of the same node is refused, naming the first.
            let (refused, message) = try await Self.fleettop(
                ["drain", "--registry", location.description, "--node", Self.node, "--reason", "mine", "--operator", "bob"])
            #expect(refused != .exited(0))
            #expect(message.contains("refused") && message.contains("alice") && message.contains("kernel upgrade"), "\(message)")

            let listed = try await IntentStore(location: location, client: EtcdClient(endpoints: cluster.endpoints)).list()
            let stored = try #require(listed.first)
            #expect(listed.count == 1 && stored.intent.author == "alice")
            let (cleared, clearOutput) = try await Self.fleettop(
                ["clear", "--registry", location.description, stored.intent.name, "--revision", String(stored.revision)])
            #expect(cleared == .exited(0), "\(clearOutput)")
            for probe in probes { try await probe.wait("the drain undone", attempts: 100) { !Self.drained($0) } }

            // Each router wrote the two changes to its audit log.
            let client = EtcdClient(endpoints: cluster.endpoints)
            try await RegistryTests.eventually("r0's audit log has the set and the clear") {
                try await client.range(prefix: location.auditPrefix(router: "r0")).kvs.count == 2
            }
        }
    }

    @Test("two operators writing the same target at once: exactly one wins, the other is told")
    func concurrentEdits() async throws {
        try await EtcdCluster.with { cluster in
            let location = cluster.location(prefix: "/fleet")
            let store = IntentStore(location: location, client: EtcdClient(endpoints: cluster.endpoints))
            let outcomes = try await withThrowingTaskGroup(of: IntentStore.Outcome.self) { group in
                for author in ["alice", "bob"] {
                    group.addTask {
                        try await store.set(try FleetIntent.weight(node: Self.node, weight: author == "alice" ? 2 : 5, author: author, time: 1, reason: "r"))
                    }
                }
                var all: [IntentStore.Outcome] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            let winners = outcomes.filter { if case .done = $0 { true } else { false } }
            #expect(winners.count == 1)
            let loser = try #require(outcomes.first { if case .conflict = $0 { true } else { false } })
            guard case .conflict(let current?) = loser else { throw InteropError("no current intent in \(loser)") }
            let stored = try #require(try await store.list().first)
            #expect(current == stored)

            // Replacing needs the revision just read; an old one is refused.
            let replacement = try FleetIntent.weight(node: Self.node, weight: 9, author: "carol", time: 2, reason: "r")
            let stale = try await store.set(replacement, replacing: stored.revision - 1)
            #expect(stale == .conflict(current: stored))
            guard case .done = try await store.set(replacement, replacing: stored.revision) else { throw InteropError("replace refused") }
            #expect(try await store.list().first?.intent.author == "carol")
        }
    }
}
