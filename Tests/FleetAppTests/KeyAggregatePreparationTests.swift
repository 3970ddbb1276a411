import Dashboard
import FleetModel
import FleetModelTesting
import Synchronization
import TUICore
import TUICoreTesting
import Testing
@testable import FleetApp

/// A polling source that delivers nothing and records what the loop tells it.
private final class RecordingPollingSource: PollingSource {
    private let preparations = Mutex<[SnapshotPreparation]>([])

    /// Every `setPreparation` argument, in order.
    var preparationCalls: [SnapshotPreparation] { preparations.withLock { $0 } }

    func start(deliver: @escaping @Sendable (FleetSnapshot) -> Void) {}
    func stop() {}
    func refreshNow() {}
    func setPaused(_ paused: Bool) {}
    func setPreparation(_ preparation: SnapshotPreparation) { preparations.withLock { $0.append(preparation) } }
}

/// The poller works the key view's aggregates out before delivering a snapshot, off the UI
/// thread, while (and only while) the dashboard shows them.
@Suite("Key aggregates worked out by the poller")
struct KeyAggregatePreparationTests {
    @Test("delivered snapshots carry prepared aggregates only once asked, equal to adding up the rows", .timeLimit(.minutes(1)))
    func pollerPrepares() async throws {
        let source = FleetPollerSource(
            control: CannedFleets.fakeControl(), endpoints: CannedFleets.endpoints, configuration: .init(interval: 3600),
            clock: ManualFleetClock(start: CannedFleets.epoch))
        let deliveries = Deliveries()
        source.start { deliveries.add($0) }
        defer { source.stop() }
        let first = try #require(await waitOffPool { deliveries.wait(count: 1) })
        #expect(!first.hasPreparedKeyAggregates, "nothing shows them: not worked out")

        source.setPreparation(SnapshotPreparation(keyAggregates: true))
        source.refreshNow()
        let second = try #require(await waitOffPool { deliveries.wait(count: 2) })
        #expect(second.hasPreparedKeyAggregates)
        let now = FleetInstant(secondsSinceEpoch: CannedFleets.epoch)
        let aggregates = second.keyAggregates(at: now)
        #expect(aggregates == KeyAggregate.aggregate(second.routerRows(at: now)))
        #expect(aggregates.map(\.key) == ["api.example.com", "app.example.com", "app.local"])

        source.setPreparation(SnapshotPreparation())
        source.refreshNow()
        let third = try #require(await waitOffPool { deliveries.wait(count: 3) })
        #expect(!third.hasPreparedKeyAggregates)
    }

    @Test("delivered snapshots carry the Fleet rows and lines of the view asked for, equal to deriving them", .timeLimit(.minutes(1)))
    func pollerPreparesFleetLines() async throws {
        let clock = ManualFleetClock(start: CannedFleets.epoch)
        let source = FleetPollerSource(
            control: CannedFleets.fakeControl(), endpoints: CannedFleets.endpoints, configuration: .init(interval: 3600),
            clock: clock)
        let view = FleetView(sort: TableSort(.name, .descending), grouping: .host)
        source.setPreparation(SnapshotPreparation(fleetView: view))
        let deliveries = Deliveries()
        source.start { deliveries.add($0) }
        defer { source.stop() }
        let first = try #require(await waitOffPool { deliveries.wait(count: 1) })
        let now = clock.now()
        let rows = view.sort.apply(to: first.routerRows(at: now))
        #expect(rows.count == CannedFleets.endpoints.count)
        #expect(first.preparedFleetRows(sort: view.sort, filter: view.filter, at: now) == rows)
        #expect(first.preparedFleetLines(for: view, at: now) == FleetGrouping.host.lines(for: rows))
        #expect(!first.hasPreparedKeyAggregates, "not asked for")

        source.setPreparation(SnapshotPreparation())
        source.refreshNow()
        let second = try #require(await waitOffPool { deliveries.wait(count: 2) })
        #expect(!second.hasPreparedFleetLines)
    }

    @Test("the loop asks for them when the key view opens and stops asking when it closes")
    func loopAsks() {
        let source = RecordingPollingSource()
        let inbox = EventInbox()
        let backend = TestBackend(width: 80, height: 24)
        let clock = ManualFleetClock(start: CannedFleets.epoch)
        let state = DashboardState(snapshot: CannedFleets.snapshot(), size: backend.size, now: clock.now())
        let steps: [ScriptStep] = [.key(.char("K")), .key(.down), .key(.enter), .key(.escape), .key(.escape),
                                   .key(.function(3)), .key(.char("q"))]
        let input = ScriptedInput(steps, inbox: inbox, backend: backend)
        let loop = AppLoop(
            terminal: Terminal(backend: backend), input: input, state: state, control: CannedFleets.fakeControl(),
            polling: source, inbox: inbox, clock: clock, options: .init(inputTimeout: .milliseconds(1)),
            interrupted: { input.idleCalls > 1_000 })
        #expect(loop.run() == .quit)
        // Off at the start; on with K (and through the drill-down, asked for with its key);
        // off back on the Fleet screen; on with F3.
        let calls = source.preparationCalls
        #expect(calls.map(\.keyAggregates) == [false, true, true, true, false, true])
        #expect(calls.map(\.keyNodes?.key) == [nil, nil, "app.example.com", nil, nil, nil])
        // The Fleet view is always asked for, and it did not change.
        #expect(calls.allSatisfy { $0.fleetView == FleetView() })
    }
}
