import DataPlaneTesting
import Testing

extension Interop {
    /// fleetrouter's raw router (TCP passthrough) and uWSGI's, each in front of the other's HTTP
    /// router, in one fleetrouter process that runs an HTTP and a raw router at once.
    @Suite("fleetrouter raw router and uWSGI's, chained both ways", .requiresFleetrouter, .everyTransport)
    struct RawRouterTests {
        @Test("uWSGI rawrouter → fleetrouter HTTP router → nodes, and fleetrouter rawrouter → uWSGI HTTP router → node, and the answers come back")
        func rawPassthroughBothWays() async throws {
            try await InteropFleet.run { fleet in
                let directory = fleet.directory
                let uwsgiHTTP = Endpoint.unix(path: directory.file("uhttp.sock"))
                try await fleet.startRouter(FleetrouterArguments.httpRouter(in: directory) + [
                    "--rawrouter", "127.0.0.1:0", "--rawrouter-to", uwsgiHTTP.description,
                ])
                let nodes = try await fleet.startNodes([("node1", nil), ("node2", nil)], subscribingTo: [try fleet.subscriptionServer()])
                try await fleet.waitForSubscribed(nodes, on: try fleet.stats())
                // uWSGI's HTTP router serves node2 as a static node; its raw router forwards to
                // fleetrouter's HTTP listener.
                try await fleet.startUwsgiHTTPRouter(listener: uwsgiHTTP.description, staticNodes: [nodes[1].address])
                let uwsgiRaw = Endpoint.unix(path: directory.file("uraw.sock"))
                try await fleet.startUwsgiRawRouter(listener: uwsgiRaw.description, to: [try fleet.listener().description])

                let fleetrouterRaw = try fleet.listener("rawrouter")
                let (throughUwsgiRaw, throughFleetrouterRaw) = try await offload {
                    (try (0..<4).map { _ in try HTTPClient.get(uwsgiRaw) }, try (0..<2).map { _ in try HTTPClient.get(fleetrouterRaw) })
                }
                #expect(throughUwsgiRaw.map(\.status) == [200, 200, 200, 200])
                #expect(Set(throughUwsgiRaw.compactMap(\.node)) == ["node1", "node2"], "fleetrouter's HTTP router spreads over both nodes")
                #expect(throughFleetrouterRaw.map { "\($0.status) \($0.text)" } == Array(repeating: "200 hello from node2\n", count: 2))
            }
        }
    }
}
