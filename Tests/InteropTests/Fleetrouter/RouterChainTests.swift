import DataPlaneTesting
import Foundation
import RouterWire
import Testing

extension Interop {
    /// fleetrouter's fast router (uwsgi in, uwsgi out) between a real uWSGI HTTP router and
    /// real uWSGI nodes: uWSGI → fleetrouter → uWSGI, and back.
    @Suite("fleetrouter fast router behind a uWSGI HTTP router", .requiresFleetrouter, .everyTransport)
    struct RouterChainTests {
        @Test("a uWSGI HTTP router forwards through fleetrouter's fast router to uWSGI nodes subscribed to it, and the answers come back")
        func uwsgiToFleetrouterToUwsgi() async throws {
            try await InteropFleet.run { fleet in
                try await fleet.startRouter(FleetrouterArguments.fastRouter())
                let nodes = try await fleet.startNodes([("node1", nil), ("node2", nil)], subscribingTo: [try fleet.subscriptionServer("fastrouter")])
                let stats = try fleet.stats("fastrouter")
                try await fleet.waitForSubscribed(nodes, on: stats)
                // The uWSGI router listens on a unix socket: no port to race for.
                let front = Endpoint.unix(path: fleet.directory.file("front.sock"))
                try await fleet.startUwsgiHTTPRouter(listener: front.description, staticNodes: [try fleet.listener("fastrouter").description])

                let responses = try await offload { try (0..<6).map { _ in try HTTPClient.get(front) } }
                #expect(responses.map(\.status) == Array(repeating: 200, count: 6))
                #expect(responses.allSatisfy { $0.text == "hello from \($0.node ?? "-")\n" })
                #expect(responses.filter { $0.node == "node1" }.count == 3, "equal weights alternate: \(responses.map { $0.node ?? "-" })")
                #expect(responses.filter { $0.node == "node2" }.count == 3, "equal weights alternate: \(responses.map { $0.node ?? "-" })")

                // The node sees the var block uWSGI's HTTP router built, carried through unchanged.
                let envResponse = try await offload { try HTTPClient.get(front, "/env?probe=1") }
                #expect(envResponse.status == 200)
                let environment = try JSONSerialization.jsonObject(with: Data(envResponse.body)) as? [String: String] ?? [:]
                #expect(environment["HTTP_HOST"] == "app.local")
                #expect(environment["UWSGI_ROUTER"] == "http")
                #expect(environment["PATH_INFO"] == "/env")
                #expect(environment["QUERY_STRING"] == "probe=1")

                let counted = try await offload { try stats.read() }.document
                #expect(counted.nodes(forKey: "app.local").map(\.requests).reduce(0, +) == 7)
            }
        }
    }
}
