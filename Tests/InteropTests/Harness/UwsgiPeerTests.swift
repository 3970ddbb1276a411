import RouterWire
import Testing

extension Interop {
    /// The harness against the reference peer alone: a real uWSGI HTTP router and app nodes,
    /// all on unix sockets. It pins what the fleetrouter tests take for granted about uWSGI
    /// (announce lines, unix addresses, unsubscribe on SIGINT, the stats document) and that
    /// RouterWire's subscription encoder and stats decoder work against the real thing.
    @Suite("uWSGI peer through the harness", .requiresUwsgi)
    struct UwsgiPeerTests {
        /// Sooner than the 17 s subscription tolerance could expire a node whose last announce
        /// preceded the interrupt (announces come every second): a removal by then was the
        /// unsubscribe. A bound of meaning, not a guess at how fast a loaded machine is.
        static let beforeAnyExpiry = Duration.seconds(15)

        @Test("a uWSGI HTTP router routes to subscribed nodes, takes a RouterWire-encoded subscription, and drops a node on its SIGINT unsubscribe")
        func uwsgiRouterRoundTrip() async throws {
            try await InteropFleet.run { fleet in
                let directory = fleet.directory
                let subscriptionServer = Endpoint.unix(path: directory.file("usub.sock"))
                let front = Endpoint.unix(path: directory.file("ufront.sock"))
                let stats = StatsProbe(endpoint: .unix(path: directory.file("ustats.sock")))
                try await fleet.startUwsgiHTTPRouter(
                    listener: front.description, subscriptionServer: subscriptionServer.description, stats: stats.endpoint.description
                )
                let nodes = try await fleet.startNodes([("node1", nil), ("node2", nil)], subscribingTo: [subscriptionServer])
                let addresses = nodes.map(\.address)
                let subscribed = try await stats.wait("node1 and node2 subscribed to app.local") { $0.nodeNames() == addresses.sorted() }
                // uWSGI announces the node's socket path as its address, weight 0 stored as 1.
                #expect(subscribed.document.nodes(forKey: "app.local").allSatisfy { $0.weight == 1 && $0.cores == 2 })
                #expect(subscribed.document.listeners?.routerName == "http")

                let served = try await offload { try (0..<4).map { _ in try HTTPClient.get(front) } }
                #expect(served.map(\.status) == [200, 200, 200, 200])
                #expect(Set(served.compactMap(\.node)) == ["node1", "node2"])
                #expect(served.allSatisfy { $0.text == "hello from \($0.node ?? "?")\n" })

                // A packet from RouterWire's encoder is accepted by uWSGI 2.0.21 itself.
                let packet = SubscriptionPacket(key: "probe.local", address: addresses[0], modifier1: 0, modifier2: 0, weight: 1)
                try SubscriptionDatagram.send(try SubscriptionDatagram.encoded(packet), to: subscriptionServer)
                try await stats.wait("probe.local subscribed by the hand-built packet") { $0.nodeNames(forKey: "probe.local") == [addresses[0]] }
                let probe = try await offload { try HTTPClient.get(front, host: "probe.local") }
                #expect(probe.status == 200)
                #expect(probe.node == "node1")

                // SIGINT: uWSGI sends its unsubscribe at once; the node leaves the table long
                // before the 17 s tolerance could expire it, and without any request to it.
                let interrupted = ContinuousClock.now
                nodes[1].interrupt()
                try await nodes[1].process.waitForLine(containing: "unsubscribing from server=")
                try await stats.wait("node2 removed after its unsubscribe") { $0.nodeNames() == [addresses[0]] }
                #expect(ContinuousClock.now - interrupted < Self.beforeAnyExpiry)
            }
        }
    }
}
