import FleetModel
import FleetModelTesting
import RouterCoreTesting
import RouterWire
import Synchronization
import Testing
@testable import FleetApp

/// A control whose every router answers at once with the same document; counts the answers.
private final class AnsweringControl: FleetControl {
    let document: StatsDocument
    let answered = Atomic<Int>(0)

    init(document: StatsDocument) {
        self.document = document
    }

    func poll(_ router: RouterEndpoint) async throws -> StatsDocument {
        answered.wrappingAdd(1, ordering: .relaxed)
        return document
    }

    func apply(_ edit: FleetEdit, to router: RouterEndpoint, reach: EditReach) async throws -> EditOutcome { .applied }
}

@Suite("Polling: paced deliveries")
struct PacedDeliveryTests {
    @Test("between refreshes, results are delivered at most once per pace, and the last of a burst is delivered", .timeLimit(.minutes(Slowdown.factor)))
    func pacedDeliveries() async throws {
        // Twenty routers polled every 20 ms: about a thousand results a second, against a
        // delivery pace of 10 ms.
        let endpoints = (0..<20).map { RouterEndpoint(name: "r\($0)", stats: .tcp(host: "127.0.0.1", port: UInt16(1_000 + $0))) }
        let control = AnsweringControl(document: CannedFleets.fleetrouterHTTP())
        let source = FleetPollerSource(control: control, endpoints: endpoints, configuration: .init(interval: 0.02),
                                       clock: ManualFleetClock(start: CannedFleets.epoch))
        #expect(source.deliveryPace == .milliseconds(10))
        let deliveries = Deliveries()
        let clock = ContinuousClock()
        let started = clock.now
        source.start { deliveries.add($0) }
        defer { source.stop() }
        // Bounded waits on deliveries: the first (refresh), then one with 400 recorded polls.
        _ = try #require(await waitOffPool { deliveries.wait(count: 1) })
        let busy = await waitOffPool {
            deliveries.wait { $0.entries.reduce(0) { $0 + $1.successfulPolls } >= 400 }
        }
        #expect(busy != nil)
        let delivered = source.deliveries
        let elapsed = started.duration(to: clock.now)
        // One delivery per pace at most, plus the refresh's (a loaded machine delivers fewer):
        // unpaced, every one of the 400 results would have been one.
        #expect(Double(delivered) <= elapsed / source.deliveryPace + 2, "\(delivered) deliveries in \(elapsed)")

        // Once no new polls start, the last results still reach a delivery (the paced flush).
        source.setPaused(true)
        let complete = await waitOffPool {
            deliveries.wait { snapshot in
                snapshot.entries.reduce(0) { $0 + $1.successfulPolls } == control.answered.load(ordering: .relaxed)
            }
        }
        #expect(complete != nil, "the snapshot with every answered poll was delivered")
    }
}
