import FleetApp
import FleetModel
import FleetModelTesting
import FleetRegistry
import Testing

@Suite("Polling the routers a registry lists")
struct RegistryPollingTests {
    static func record(_ endpoint: RouterEndpoint) -> RouterRecord {
        RouterRecord(name: endpoint.name, stats: endpoint.stats.description, kinds: ["http"], version: "t", host: "h")
    }

    @Test("routers appear when registered, are polled, and are shown as gone when their registration ends", .timeLimit(.minutes(1)))
    func followsRegistry() async throws {
        let (views, feed) = AsyncStream.makeStream(of: [RouterRecord].self)
        let (intents, intentFeed) = AsyncStream.makeStream(of: [FleetIntentLine].self)
        let fleetrouter = try #require(CannedFleets.endpoints.first { $0.id == CannedFleets.fleetrouterID })
        let uwsgi = try #require(CannedFleets.endpoints.first { $0.id == CannedFleets.uwsgiID })
        let source = RegistryPollingSource(
            views: views, intents: intents, stopViews: { feed.finish(); intentFeed.finish() }, fixed: [], control: CannedFleets.fakeControl(),
            configuration: .init(interval: 3600), clock: ManualFleetClock(start: CannedFleets.epoch))
        let deliveries = Deliveries()
        source.start { deliveries.add($0) }
        defer { source.stop() }

        feed.yield([Self.record(fleetrouter), Self.record(uwsgi)])
        // The list is delivered at once, then each new router's first poll.
        let polled = await waitOffPool {
            deliveries.wait(where: { snapshot in
                snapshot.order == [fleetrouter.id, uwsgi.id] && snapshot.entries.allSatisfy { $0.latest != nil }
            })
        }
        #expect(polled?[fleetrouter.id]?.endpoint.tags.contains("registry") == true)

        feed.yield([Self.record(uwsgi)])
        let gone = await waitOffPool {
            deliveries.wait(where: { snapshot in
                if case .gone = snapshot[fleetrouter.id]?.status { return true }
                return false
            })
        }
        #expect(gone?.order == [uwsgi.id, fleetrouter.id])
        #expect(gone?.totals.routers == 1)
        #expect(gone?.totals.gone == 1)

        let line = FleetIntentLine(name: "cheap_all", summary: "cheap on on every router (a: r)", time: 1, revision: 9)
        intentFeed.yield([line])
        let withIntents = await waitOffPool { deliveries.wait(where: { $0.intents == [line] }) }
        #expect(withIntents?.order == [uwsgi.id, fleetrouter.id])
    }

    @Test("routers given on the command line come first; a registry record with the same name is not added twice")
    func merge() {
        let fixed = Array(CannedFleets.endpoints.prefix(1))
        let merged = RegistryEndpoints.merge(fixed: fixed, records: CannedFleets.endpoints.map(Self.record))
        #expect(merged.map(\.id) == CannedFleets.endpoints.map(\.id))
        #expect(merged.first?.tags.contains("registry") == false)
        let garbage = RouterRecord(name: "bad", stats: "", kinds: [], version: "t", host: "h")
        #expect(RegistryEndpoints.endpoints(from: [garbage]).isEmpty)
    }
}
