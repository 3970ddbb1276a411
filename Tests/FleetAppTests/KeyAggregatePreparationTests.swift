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
    private let prepares = Mutex<[Bool]>([])

    /// Every `setPreparesKeyAggregates` argument, in order.
    var preparesCalls: [Bool] { prepares.withLock { $0 } }

    func start(deliver: @escaping @Sendable (FleetSnapshot) -> Void) {}
    func stop() {}
    func refreshNow() {}
    func setPaused(_ paused: Bool) {}
    func setPreparesKeyAggregates(_ prepares: Bool) { self.prepares.withLock { $0.append(prepares) } }
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

        source.setPreparesKeyAggregates(true)
        source.refreshNow()
        let second = try #require(await waitOffPool { deliveries.wait(count: 2) })
        #expect(second.hasPreparedKeyAggregates)
        let now = FleetInstant(secondsSinceEpoch: CannedFleets.epoch)
        let aggregates = second.keyAggregates(at: now)
        #expect(aggregates == KeyAggregate.aggregate(second.routerRows(at: now)))
        #expect(aggregates.map(\.key) == ["api.example.com", "app.example.com", "app.local"])

        source.setPreparesKeyAggregates(false)
        source.refreshNow()
        let third = try #require(await waitOffPool { deliveries.wait(count: 3) })
        #expect(!third.hasPreparedKeyAggregates)
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
        // Off at the start; on with K (and through the drill-down); off back on the Fleet screen; on with F3.
        #expect(source.preparesCalls == [false, true, false, true])
    }
}
