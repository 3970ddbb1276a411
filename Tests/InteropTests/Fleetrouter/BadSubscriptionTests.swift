import DataPlaneTesting
import RouterWire
import Testing

extension Interop {
    /// Bad datagrams on fleetrouter's subscription server, which anyone on the host can reach
    /// (uWSGI has no authentication there): each is dropped, and serving is unaffected.
    @Suite("fleetrouter subscription server: bad datagrams", .requiresFleetrouter, .everyTransport)
    struct BadSubscriptionTests {
        @Test("garbage, oversize (5000 bytes) and weight=abc datagrams are ignored; the next valid one works and requests still succeed")
        func badDatagramsAreIgnored() async throws {
            try await InteropFleet.run { fleet in
                let nodes = try await fleet.startHTTPFleet([("node1", nil)])
                let address = Array(nodes[0].address.utf8)
                let server = try fleet.subscriptionServer()
                let stats = try fleet.stats()

                var random = SplitMix64(seed: 0x5EED_0007)
                let oversizeHead = SubscriptionDatagram.raw(items: [("key", Array("oversize.local".utf8)), ("address", address)])
                // Key and address come first, so a router that silently truncated to 4096 bytes
                // (uWSGI does) would still find a node in it: it must drop the whole datagram.
                let padding = 5000 - oversizeHead.count - 4 - "padding".utf8.count
                let oversize = SubscriptionDatagram.raw(items: [
                    ("key", Array("oversize.local".utf8)), ("address", address),
                    ("padding", [UInt8](repeating: UInt8(ascii: "x"), count: padding)),
                ])
                let datagrams: [(String, [UInt8])] = [
                    ("200 random bytes", (0..<200).map { _ in UInt8.random(in: 0...255, using: &random) }),
                    ("2-byte runt", [224, 0]),
                    // (A wrong datasize alone is not bad input: uWSGI ignores header bytes 0-2,
                    // and so does fleetrouter.)
                    ("item length past the end", [224, 9, 0, 0, 3, 0] + Array("key".utf8) + [200, 0, 65]),
                    ("oversize, 5000 bytes", oversize),
                    ("weight=abc", SubscriptionDatagram.raw(items: [
                        ("key", Array("badweight.local".utf8)), ("address", address), ("weight", Array("abc".utf8)),
                    ])),
                ]
                #expect(oversize.count == 5000)
                for (_, bytes) in datagrams {
                    try SubscriptionDatagram.send(bytes, to: server)
                }
                // A valid datagram after them, from the same host to the same socket: once it
                // shows, the ones before it have been handled.
                let probe = SubscriptionPacket(key: "probe.local", address: nodes[0].address, modifier1: 0, modifier2: 0, cores: 1, load: 0, weight: 1)
                try SubscriptionDatagram.send(try SubscriptionDatagram.encoded(probe), to: server)
                let reading = try await stats.wait("probe.local subscribed by a valid datagram") { document in
                    document.nodeNames(forKey: "probe.local") == [nodes[0].address]
                }
                #expect(reading.document.slotKeys == ["app.local", "probe.local"], "a bad datagram created a slot")
                #expect(reading.document.nodeNames() == [nodes[0].address])
                #expect(reading.document.node(nodes[0].address)?.weight == 1)

                let endpoint = try fleet.listener()
                let (viaProbe, viaApp) = try await offload {
                    (try HTTPClient.get(endpoint, host: "probe.local"), try HTTPClient.get(endpoint))
                }
                #expect(viaProbe.status == 200)
                #expect(viaProbe.node == "node1")
                #expect(viaApp.status == 200)
                #expect(viaApp.node == "node1")
            }
        }
    }
}
