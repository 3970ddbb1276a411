import DataPlaneTesting
import Glibc
import RouterWire
import Testing

extension Interop {
    /// The operator's drain, applied through the admin API to real uWSGI nodes: it is a flag
    /// of the operator's, not subscription state, so neither a re-announce nor a restart of
    /// fleetrouter (with the same `--state-file`) undoes it.
    @Suite("fleetrouter admin API: drain with real uWSGI nodes", .requiresFleetrouter, .everyTransport)
    struct DrainTests {
        @Test("a drained node finishes its in-flight request, gets no new one, and stays drained after its re-announce and a fleetrouter restart")
        func drainIsSticky() async throws {
            try await InteropFleet.run { fleet in
                let nodes = try await fleet.startHTTPFleet([("node1", nil), ("node2", nil)])
                let (node1, node2) = (nodes[0].address, nodes[1].address)
                let ref1 = NodeRef(key: "app.local", node: node1)
                let ref2 = NodeRef(key: "app.local", node: node2)
                let admin = try fleet.admin()
                let stats = try fleet.stats()
                let endpoint = try fleet.listener()

                // Make the slow request land on node1 for certain: for now only node1 takes new sessions.
                try await offload { try admin.apply(.drain(ref2)) }
                // Long enough to still be in flight at the `draining` read below on a loaded machine.
                let slow = Task {
                    try await offload { try HTTPClient.get(endpoint, "/sleep?ms=3000") }
                }
                try await stats.wait("the slow request in flight on node1") { $0.node(node1)?.ref == 1 }
                try await offload {
                    try admin.apply(.undrain(ref2))
                    try admin.apply(.drain(ref1))
                }

                // While the slow request runs: node1 is draining, every new request goes to node2.
                let draining = try await offload { try stats.read() }.document
                #expect(draining.node(node1)?.operatorFields.state == .draining)
                #expect(draining.node(node1)?.operatorFields.drain == 1)
                #expect(draining.node(node1)?.ref == 1)
                let meanwhile = try await offload {
                    let client = HTTPClient(endpoint)
                    return try (0..<8).map { _ in try client.request() }
                }
                #expect(meanwhile.map { "\($0.status) \($0.node ?? "-")" } == Array(repeating: "200 node2", count: 8))

                // The request in flight when the drain began (ref 1 at the `draining` read)
                // completes on node1; which finished first is a matter of timing, not tested.
                let slowResponse = try await slow.value
                #expect(slowResponse.status == 200)
                #expect(slowResponse.node == "node1")
                let drained = try await stats.wait("node1 drained with nothing in flight") { document in
                    document.node(node1)?.operatorFields.state == .drained && document.node(node1)?.ref == 0
                }

                // node1 announces every second; its next announce must not undo the drain.
                let lastCheck = drained.document.node(node1)?.lastCheck ?? 0
                let reannounced = try await stats.wait("node1 re-announced (last_check past \(lastCheck))") { document in
                    (document.node(node1)?.lastCheck ?? 0) > lastCheck
                }
                #expect(reannounced.document.node(node1)?.operatorFields.drain == 1)
                #expect(reannounced.document.node(node1)?.operatorFields.state == .drained)
                try await Self.expectOnlyNode2(endpoint, "after node1's re-announce")

                // Restart with the same --state-file; the nodes keep announcing to the same UDP port.
                let subscriptionPort = try fleet.subscriptionServer()
                try await fleet.restartRouter(
                    FleetrouterArguments.httpRouter(in: fleet.directory, subscriptionServer: subscriptionPort.description)
                )
                let restored = try await fleet.waitForSubscribed(nodes, on: try fleet.stats())
                #expect(restored.document.node(node1)?.operatorFields.drain == 1)
                #expect(restored.document.node(node1)?.operatorFields.state == .drained)
                #expect(restored.document.node(node2)?.operatorFields.drain != 1, "the undrain of node2 was not kept")
                #expect(restored.document.node(node2)?.operatorFields.state == .ready)
                try await Self.expectOnlyNode2(try fleet.listener(), "after the restart")
            }
        }

        /// Six requests, all answered by node2.
        private static func expectOnlyNode2(_ endpoint: Endpoint, _ when: String) async throws {
            let responses = try await offload {
                let client = HTTPClient(endpoint)
                return try (0..<6).map { _ in try client.request() }
            }
            #expect(responses.map { "\($0.status) \($0.node ?? "-")" } == Array(repeating: "200 node2", count: 6), "\(when)")
        }
    }
}
