import Foundation
import RouterWire
import Testing

extension Interop {
    /// Router chaining by resubscription (§6.8): uWSGI nodes subscribe to fleetrouter's fast
    /// router, which re-sends each packet to a real uWSGI HTTP router's subscription server with
    /// its own listener as the address. The uWSGI router then routes app.local through
    /// fleetrouter to the nodes, and drops fleetrouter when the nodes unsubscribe.
    @Suite("fleetrouter fast router resubscribing to a uWSGI HTTP router", .requiresFleetrouter)
    struct ResubscribeChainTests {
        @Test("nodes announced to fleetrouter reach a uWSGI HTTP router through --fastrouter-resubscribe, and their unsubscribe follows")
        func chain() async throws {
            try await InteropFleet.run { fleet in
                let front = Endpoint.unix(path: fleet.directory.file("front.sock"))
                let frontSubscriptions = fleet.directory.file("front-subscriptions.sock")
                let frontStats = Endpoint.unix(path: fleet.directory.file("front-stats.sock"))
                try await fleet.startUwsgiHTTPRouter(listener: front.description, subscriptionServer: frontSubscriptions, stats: frontStats.description)
                // The re-sent address is the fast router's first listener as configured: a path,
                // which the uWSGI router can connect to (a port-0 listener could not be named).
                let fastrouter = fleet.directory.file("fastrouter.sock")
                try await fleet.startRouter([
                    "--fastrouter", fastrouter, "--fastrouter-subscription-server", "127.0.0.1:0",
                    "--fastrouter-stats", "127.0.0.1:0", "--fastrouter-resubscribe", frontSubscriptions,
                    "--subscription-tolerance", "17",
                ])
                let nodes = try await fleet.startNodes([("node1", nil)], subscribingTo: [try fleet.subscriptionServer("fastrouter")])
                try await fleet.waitForSubscribed(nodes, on: try fleet.stats("fastrouter"))

                // Bounded: 50 tries 100 ms apart, until the re-sent announce reached uWSGI (until
                // then uWSGI closes the connection without an answer: no node for the key).
                var answer: HTTPResponse?
                for attempt in 0..<50 {
                    if attempt > 0 { try await Task.sleep(for: .milliseconds(100)) }
                    let response = try? await offload { try HTTPClient.get(front) }
                    if let response, response.status == 200 {
                        answer = response
                        break
                    }
                }
                let routed = try #require(answer, "the uWSGI router never routed app.local through fleetrouter")
                // uWSGI lists fleetrouter's fast router (the address re-sent) as app.local's node.
                let uwsgiStats = StatsProbe(endpoint: frontStats)
                #expect(try await offload { try uwsgiStats.read() }.document.nodes(forKey: "app.local").map(\.name) == [fastrouter])
                #expect(routed.node == "node1")
                #expect(routed.text == "hello from node1\n")
                // The request really crossed fleetrouter: its node counter moved.
                let stats = try fleet.stats("fastrouter")
                let counted = try await offload { try stats.read() }.document
                #expect((counted.nodes(forKey: "app.local").first?.requests ?? 0) >= 1)

                // The node's SIGINT unsubscribe is re-sent too: uWSGI drops fleetrouter from app.local.
                try fleet.node("node1").interrupt()
                try await uwsgiStats.wait("fleetrouter's fast router removed from app.local") { $0.nodes(forKey: "app.local").isEmpty }
            }
        }
    }
}
