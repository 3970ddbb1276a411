/// The decisions of `--xxx-harakiri`, without threads or clocks: each watched loop gets a
/// probe (a task posted to it); a probe that has not run within the loop's limit means the
/// loop has been busy in one iteration that long, and the loop is reported as stalled once.
///
/// uWSGI's master SIGKILLs and respawns a gateway process whose loop iteration ran longer
/// than the limit. There is no master here and a thread cannot be killed, so the watchdog
/// logs and aborts, and the supervisor (systemd, the container runtime) restarts the process.
struct LoopStallDetector: Sendable, Equatable {
    /// One watched loop.
    struct Loop: Sendable, Equatable {
        /// Its name in the log line (`http worker 0`).
        var name: String
        /// How long one iteration may run, in nanoseconds.
        var limit: UInt64
        /// When the probe in flight was posted; nil when none is.
        var probePosted: UInt64?
        /// Gone (its loop refused the probe: it stopped) or already reported.
        var retired = false
    }

    /// What the runner does after a tick.
    enum Action: Sendable, Equatable {
        /// Post a probe to loop `index`; call `probeRan(index)` when it runs.
        case probe(Int)
        /// Loop `index` has not run a probe for `busy` nanoseconds, more than its limit.
        case stalled(Int, name: String, busy: UInt64, limit: UInt64)
    }

    private(set) var loops: [Loop] = []

    /// Watches a loop whose iterations may take `limit` nanoseconds; returns its index.
    mutating func watch(name: String, limit: UInt64) -> Int {
        loops.append(Loop(name: name, limit: limit))
        return loops.count - 1
    }

    /// The tick period for these limits: a quarter of the smallest, between 50 ms and 1 s.
    var period: UInt64 {
        let smallest = loops.map(\.limit).min() ?? 1_000_000_000
        return min(max(smallest / 4, 50_000_000), 1_000_000_000)
    }

    /// Called every `period`: new probes for loops that answered, a report for loops that
    /// have not for longer than their limit.
    mutating func tick(now: UInt64) -> [Action] {
        var actions: [Action] = []
        for index in loops.indices where !loops[index].retired {
            guard let posted = loops[index].probePosted else {
                loops[index].probePosted = now
                actions.append(.probe(index))
                continue
            }
            let busy = now >= posted ? now - posted : 0
            if busy > loops[index].limit {
                loops[index].retired = true
                actions.append(.stalled(index, name: loops[index].name, busy: busy, limit: loops[index].limit))
            }
        }
        return actions
    }

    /// Loop `index` ran its probe: it is not stuck.
    mutating func probeRan(_ index: Int) {
        guard loops.indices.contains(index) else { return }
        loops[index].probePosted = nil
    }

    /// Loop `index` refused its probe (it has stopped): it is no longer watched.
    mutating func probeRefused(_ index: Int) {
        guard loops.indices.contains(index) else { return }
        loops[index].retired = true
    }
}
