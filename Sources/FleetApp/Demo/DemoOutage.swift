import Synchronization

/// Once a period, one demo node stops announcing for a while and then comes back, so the
/// dashboard shows a node going unseen (SEEN growing), expiring (dead, then gone) and
/// returning (new, then ready). Nodes take turns, in announce order.
final class DemoOutage: Sendable {
    /// When and for how long.
    struct Schedule: Sendable {
        /// From one outage to the next.
        var period: Duration
        /// How long the node stays silent: longer than the routers' subscription tolerance, so
        /// it expires, and shorter than `period`.
        var length: Duration

        /// A 20 s silence once a minute (with the demo's 8 s tolerance).
        static let standard = Schedule(period: .seconds(60), length: .seconds(20))
    }

    let schedule: Schedule
    private let silenced = Mutex<Int?>(nil)

    init(schedule: Schedule) {
        self.schedule = schedule
    }

    /// The index (into the announcer's subscriptions) of the node now silent, if any.
    var silentNode: Int? { silenced.withLock { $0 } }

    /// Silences node 0, 1, 2, … of `nodeCount` in turn, one per period, until cancelled; each
    /// comes back with an announce at once (`announce`) rather than at the next period.
    func run(nodeCount: Int, announce: @Sendable () -> Void) async {
        guard nodeCount > 0 else { return }
        let quiet = min(schedule.length, schedule.period)
        var next = 0
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: schedule.period - quiet)
                silenced.withLock { $0 = next }
                try await Task.sleep(for: quiet)
            } catch {
                break
            }
            silenced.withLock { $0 = nil }
            announce()
            next = (next + 1) % nodeCount
        }
        silenced.withLock { $0 = nil }
    }
}
