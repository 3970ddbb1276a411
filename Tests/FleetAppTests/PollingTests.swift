import FleetModel
import FleetModelTesting
import Foundation
import RouterWire
import NIOConcurrencyHelpers
import Synchronization
import Testing
@testable import FleetApp
import Dashboard
import ThreadTesting

/// A control whose routers named in `hanging` answer only when released.
private actor GatedControl: FleetControl {
    private let document: StatsDocument
    private var hanging: Set<RouterID>
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private(set) var started = 0

    init(hanging: Set<RouterID>, document: StatsDocument) {
        self.hanging = hanging
        self.document = document
    }

    func poll(_ router: RouterEndpoint) async throws -> StatsDocument {
        started += 1
        let ready = watchers.filter { $0.count <= started }
        watchers.removeAll { $0.count <= started }
        for watcher in ready { watcher.continuation.resume() }
        if hanging.contains(router.id) {
            await withCheckedContinuation { waiting.append($0) }
        }
        return document
    }

    /// Returns once `count` polls have begun.
    func waitForStarted(_ count: Int) async {
        guard started < count else { return }
        await withCheckedContinuation { watchers.append((count, $0)) }
    }

    func release() {
        hanging = []
        for continuation in waiting { continuation.resume() }
        waiting = []
    }

    func apply(_ edit: FleetEdit, to router: RouterEndpoint, reach: EditReach) async throws -> EditOutcome { .applied }
}

/// Collects what a poller delivers; `wait` waits (bounded) for the n-th delivery.
///
/// The list is behind a pthread mutex (`NIOLockedValueBox`), not `Synchronization.Mutex`, whose
/// futex hand-over ThreadSanitizer does not see: under TSan the add and a waiter's read were
/// reported as a race.
final class Deliveries: Sendable {
    private let snapshots = NIOLockedValueBox<[FleetSnapshot]>([])
    private let inbox = EventInbox()

    func add(_ snapshot: FleetSnapshot) {
        snapshots.withLockedValue { $0.append(snapshot) }
        inbox.post(.snapshotUpdated(snapshot))
    }

    func wait(count: Int) -> FleetSnapshot? {
        guard inbox.wait(timeout: .seconds(60), until: { $0.snapshots >= count }) else { return nil }
        return snapshots.withLockedValue { $0.count >= count ? $0[count - 1] : nil }
    }

    /// The first delivery for which `predicate` holds, waiting up to 60 s for it.
    func wait(where predicate: @escaping @Sendable (FleetSnapshot) -> Bool) -> FleetSnapshot? {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let (found, seen) = snapshots.withLockedValue { ($0.first(where: predicate), $0.count) }
            if let found { return found }
            _ = inbox.wait(timeout: .seconds(1)) { $0.snapshots > seen }
        }
        return nil
    }

    var count: Int { snapshots.withLockedValue { $0.count } }
}

@Suite("Polling: whole rounds, refresh, inbox")
struct PollingTests {
    @Test("after start, the snapshot is held until every router has answered, then delivered whole", .timeLimit(.minutes(1)))
    func heldUntilComplete() async {
        let control = GatedControl(hanging: [CannedFleets.unreachableID], document: CannedFleets.fleetrouterHTTP())
        let source = FleetPollerSource(
            control: control, endpoints: CannedFleets.endpoints, configuration: .init(interval: 3600),
            clock: ManualFleetClock(start: CannedFleets.epoch))
        let deliveries = Deliveries()
        source.start { deliveries.add($0) }
        defer { source.stop() }
        // Every poll has begun (bounded wait on the actor), yet nothing may be delivered.
        await control.waitForStarted(3)
        #expect(deliveries.count == 0)
        await control.release()
        let first = await waitOffPool { deliveries.wait(count: 1) }
        #expect(first?.entries.allSatisfy { $0.latest != nil } == true)
    }

    @Test("the poller delivers a snapshot per round; refresh polls again, even while paused; stop ends it")
    func rounds() async {
        let fake = CannedFleets.fakeControl()
        let poller = FleetPollerSource(
            control: fake, endpoints: CannedFleets.endpoints, configuration: .init(interval: 3600),
            clock: ManualFleetClock(start: CannedFleets.epoch))
        let deliveries = Deliveries()
        poller.start { deliveries.add($0) }
        defer { poller.stop() }
        let first = await waitOffPool { deliveries.wait(count: 1) }
        #expect(first?[CannedFleets.fleetrouterID]?.status.isOK == true)
        #expect(first?[CannedFleets.unreachableID]?.status == .unreachable(error: CannedFleets.unreachableError))

        poller.setPaused(true)
        poller.refreshNow()
        let second = await waitOffPool { deliveries.wait(count: 2) }
        #expect(second?[CannedFleets.fleetrouterID]?.successfulPolls == 2)
        #expect(await fake.pollCounts[CannedFleets.fleetrouterID] == 2)
        poller.stop()
        poller.refreshNow()
        #expect(poller.deliveries == 2)
    }

    @Test("the inbox keeps only the newest pending snapshot and every edit reply")
    func inboxCoalesces() {
        let inbox = EventInbox()
        let older = FleetSnapshot(endpoints: [])
        let newer = CannedFleets.snapshot()
        let plan = PlannedEdit(router: "r", edit: .setCheap(.on), availability: .available)
        inbox.post(.snapshotUpdated(older))
        inbox.post(.editFinished(plan, .applied))
        inbox.post(.snapshotUpdated(newer))
        #expect(inbox.drain() == [.editFinished(plan, .applied), .snapshotUpdated(newer)])
        #expect(inbox.drain().isEmpty)
        #expect(inbox.postedCounts == .init(snapshots: 2, editsFinished: 1))
        #expect(inbox.wait(timeout: .milliseconds(1)) { $0.editsFinished >= 2 } == false)
    }
}

/// Runs a blocking wait on a thread outside the cooperative pool.
func waitOffPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await OwnThread.run("waitOffPool") { () -> T in body() }
}
