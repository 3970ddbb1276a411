import DataPlaneTesting
import RouterWire
import Testing

extension Interop {
    /// fleetrouter's HTTP router in front of real uWSGI app nodes that subscribed themselves.
    @Suite("fleetrouter HTTP router: spread by weight", .requiresFleetrouter, .everyTransport)
    struct WeightedSpreadTests {
        @Test("three uWSGI nodes announcing weights 1, 2, 3 serve 60 requests exactly 10, 20 and 30 times")
        func spreadByWeight() async throws {
            try await InteropFleet.run { fleet in
                // --subscribe2 …,weight=W carries W from the first announce on (uWSGI:
                // the 2.0 weight leak only changes --subscribe-to packets), so the weights are
                // fixed before the first request.
                let nodes = try await fleet.startHTTPFleet([("node1", 1), ("node2", 2), ("node3", 3)])
                let endpoint = try fleet.listener()
                let stats = try fleet.stats()
                let responses = try await offload {
                    let client = HTTPClient(endpoint)
                    return try (0..<60).map { _ in try client.request() }
                }
                #expect(responses.allSatisfy { $0.status == 200 })
                #expect(responses.allSatisfy { $0.text == "hello from \($0.node ?? "-")\n" }, "X-Node and body disagree")

                // Smooth weighted round robin picks each node exactly its weight in every 6
                // picks, so there is no slack: 10/20/30 overall and 1/2/3 in each block of 6.
                let served = responses.map { $0.node ?? "-" }
                #expect(Self.counts(served) == ["node1": 10, "node2": 20, "node3": 30])
                for block in stride(from: 0, to: 60, by: 6) {
                    #expect(Self.counts(served[block..<block + 6]) == ["node1": 1, "node2": 2, "node3": 3], "requests \(block)..<\(block + 6): \(served[block..<block + 6])")
                }

                // The router's own per-node counters agree with what the client saw.
                let after = try await offload { try stats.read() }
                #expect(nodes.map { after.document.node($0.address)?.requests } == [10, 20, 30])
            }
        }

        private static func counts(_ names: some Sequence<String>) -> [String: Int] {
            names.reduce(into: [:]) { $0[$1, default: 0] += 1 }
        }
    }
}
