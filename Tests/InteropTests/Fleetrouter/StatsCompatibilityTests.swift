import DataPlaneTesting
import RouterWire
import Testing

extension Interop {
    /// fleetrouter's stats document and a real uWSGI router's, for the same nodes, read by the
    /// one decoder fleettop uses for both.
    @Suite("stats documents of fleetrouter and uWSGI", .requiresFleetrouter, .everyTransport)
    struct StatsCompatibilityTests {
        @Test("fleetrouter's and a uWSGI HTTP router's stats decode with the same decoder and agree on the nodes")
        func sameDecoderSameNodes() async throws {
            try await InteropFleet.run { fleet in
                let directory = fleet.directory
                try await fleet.startRouter(FleetrouterArguments.httpRouter(in: directory))
                let uwsgiSubscriptions = Endpoint.unix(path: directory.file("usub.sock"))
                let uwsgiFront = Endpoint.unix(path: directory.file("ufront.sock"))
                let uwsgiStats = StatsProbe(endpoint: .unix(path: directory.file("ustats.sock")))
                try await fleet.startUwsgiHTTPRouter(
                    listener: uwsgiFront.description, subscriptionServer: uwsgiSubscriptions.description,
                    stats: uwsgiStats.endpoint.description
                )
                // Each node announces to both routers.
                let nodes = try await fleet.startNodes(
                    [("node1", 1), ("node2", 2)], subscribingTo: [try fleet.subscriptionServer(), uwsgiSubscriptions]
                )
                let ourStats = try fleet.stats()
                try await fleet.waitForSubscribed(nodes, weights: [1, 2], on: ourStats)
                try await fleet.waitForSubscribed(nodes, weights: [1, 2], on: uwsgiStats)

                let ourFront = try fleet.listener()
                let responses = try await offload {
                    try (0..<3).map { _ in try HTTPClient.get(ourFront) } + (0..<3).map { _ in try HTTPClient.get(uwsgiFront) }
                }
                #expect(responses.map(\.status) == Array(repeating: 200, count: 6))

                let ours = try await offload { try ourStats.read() }
                let theirs = try await offload { try uwsgiStats.read() }
                // fleetrouter's output is strict JSON; the lenient path is only for uWSGI's quirks.
                #expect(throws: Never.self) { try StatsDocument.decode(strict: ours.bytes) }
                let (mine, peer) = (ours.document, theirs.document)

                #expect(mine.slotKeys == ["app.local"])
                #expect(peer.slotKeys == ["app.local"])
                #expect(mine.subscriptions?.first?.hash == peer.subscriptions?.first?.hash)
                #expect(mine.nodeNames() == peer.nodeNames())
                #expect(mine.nodeNames() == nodes.map(\.address).sorted())
                for node in nodes {
                    let (a, b) = (mine.node(node.address), peer.node(node.address))
                    #expect(a?.weight == b?.weight, "\(node.name) weight")
                    #expect(a?.modifier1 == b?.modifier1, "\(node.name) modifier1")
                    #expect(a?.modifier2 == b?.modifier2, "\(node.name) modifier2")
                    #expect(a?.cores == b?.cores, "\(node.name) cores")
                    #expect(a?.deathMark == 0 && b?.deathMark == 0, "\(node.name) death_mark")
                    // Both stamp the same announces with the epoch second they arrived.
                    let apart = Int64(a?.lastCheck ?? 0) - Int64(b?.lastCheck ?? 0)
                    #expect(abs(apart) <= 2, "\(node.name) last_check \(a?.lastCheck ?? 0) vs \(b?.lastCheck ?? 0)")
                    #expect(a?.operatorFields.state == .ready, "\(node.name) state in fleetrouter's stats")
                    #expect(b?.operatorFields == StatsDocument.OperatorFields(), "uWSGI has no operator fields")
                }
                #expect(mine.nodes(forKey: "app.local").map(\.requests).reduce(0, +) == 3)
                #expect(peer.nodes(forKey: "app.local").map(\.requests).reduce(0, +) == 3)
                #expect(mine.listeners?.routerName == "http")
                #expect(peer.listeners?.routerName == "http")
                // fleetrouter's additions are extra keys, absent from uWSGI's document.
                #expect(mine.kind == "http")
                #expect(mine.admin != nil)
                #expect(mine.cheapMode != nil)
                #expect(mine.sessions != nil)
                #expect(peer.kind == nil && peer.admin == nil && peer.cheapMode == nil && peer.sessions == nil)
                #expect(mine.cheap == 0 && peer.cheap == 0)
            }
        }
    }
}
