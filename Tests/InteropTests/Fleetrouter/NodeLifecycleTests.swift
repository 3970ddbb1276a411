import DataPlaneTesting
import Glibc
import RouterWire
import Testing

extension Interop {
    /// Real uWSGI nodes leaving a fleetrouter HTTP router: politely (SIGINT sends an
    /// unsubscribe) and by crashing (SIGKILL sends nothing; only a failed connect tells).
    @Suite("fleetrouter HTTP router: nodes leaving", .requiresFleetrouter, .everyTransport)
    struct NodeLifecycleTests {
        /// Sooner than the 17 s subscription tolerance could expire a node whose last announce
        /// preceded the interrupt (announces come every second): a removal by then was the
        /// unsubscribe. A bound of meaning, not a guess at how fast a loaded machine is.
        static let beforeAnyExpiry = Duration.seconds(15)

        @Test("a node stopped with SIGINT unsubscribes and leaves the table at once; requests keep succeeding on the other")
        func sigintUnsubscribes() async throws {
            try await InteropFleet.run { fleet in
                let nodes = try await fleet.startHTTPFleet([("node1", nil), ("node2", nil)])
                let endpoint = try fleet.listener()
                let stats = try fleet.stats()
                let before = try await offload {
                    let client = HTTPClient(endpoint)
                    return try (0..<4).map { _ in try client.request() }
                }
                #expect(before.map(\.status) == [200, 200, 200, 200])
                #expect(Set(before.compactMap(\.node)) == ["node1", "node2"])

                let interrupted = ContinuousClock.now
                nodes[1].interrupt()
                try await nodes[1].process.waitForLine(containing: "unsubscribing from server=")
                // No request is sent meanwhile, so no failed connect can remove node2, and the
                // 17 s tolerance is far off: only its unsubscribe can.
                try await stats.wait("node2 removed after its unsubscribe") { $0.nodeNames() == [nodes[0].address] }
                #expect(ContinuousClock.now - interrupted < Self.beforeAnyExpiry)

                let after = try await offload {
                    let client = HTTPClient(endpoint)
                    return try (0..<6).map { _ in try client.request() }
                }
                #expect(after.map(\.status) == Array(repeating: 200, count: 6))
                #expect(Set(after.compactMap(\.node)) == ["node1"])
            }
        }

        @Test("a node SIGKILLed under load from 8 keep-alive clients costs no client a request: unanswered and failed connects are retried")
        func sigkillUnderLoad() async throws {
            try await InteropFleet.run { fleet in
                let nodes = try await fleet.startHTTPFleet([("node1", nil), ("node2", nil), ("node3", nil)])
                let victim = nodes[2]
                let stats = try fleet.stats()
                // /sleep keeps every node busy with requests in flight when the kill lands.
                let load = LoadGenerator(try fleet.listener(), connections: 8, budget: 3000, path: "/sleep?ms=2")
                load.start()
                try await load.waitUntil("60 requests done") { $0.samples.count >= 60 }

                let killed = ContinuousClock.now
                try await victim.crash()
                // Dead means its socket refuses: every process that held it is gone (crash()
                // waited for that), so this first probe already sees the refusal in practice.
                let dead = try await Self.waitUntilRefused(.unix(path: victim.address))
                try await load.waitUntil("100 requests sent after node3 died are done") { progress in
                    progress.samples.lazy.filter { $0.started > dead }.count >= 100
                }
                load.stop()
                let samples = try await load.finish()

                // Requests in flight on node3 when it died got no byte from it: the router sent
                // them again elsewhere (beyond uWSGI, which loses them). Nothing may fail.
                let failed = samples.filter { !$0.succeeded }
                #expect(failed.isEmpty, "\(failed.count) of \(samples.count) requests failed: \(failed.map(\.outcome))")
                let afterDeath = samples.filter { $0.started > dead }
                #expect(Set(afterDeath.compactMap(\.node)) == ["node1", "node2"])
                #expect(samples.contains { $0.node == "node3" && $0.finished < killed }, "node3 served nothing before it was killed")

                // SIGKILL sends no unsubscribe and 17 s have not passed: the router can only have
                // learned of the death from a failed connect, and then retried that request.
                try await stats.wait("node3 removed or marked dead") { document in
                    document.node(victim.address).map { $0.deathMark == 1 } ?? true
                }
            }
        }

        /// Connects until the socket refuses (bounded: the processes are already gone).
        private static func waitUntilRefused(_ endpoint: Endpoint) async throws -> ContinuousClock.Instant {
            for _ in 0..<100 {
                do {
                    _ = try BlockingSocket.connect(to: endpoint, timeout: .seconds(1))
                } catch SocketError.refused {
                    return ContinuousClock.now
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            throw InteropError("\(endpoint) still accepts connections 1 s after its node was SIGKILLed")
        }
    }
}
