import RouterCore

/// The routing sessions in flight, by lease: a slab of slots reused through a free list, so
/// the per-request insert, lookup and removal are array accesses (no hashing, no rehashing as
/// the number of sessions in flight goes up and down).
///
/// Each worker has its own table (`RouterEngine`'s replica for the worker), so a lease names its
/// worker: `worker << 54 | generation << 32 | slot`, with a 22-bit generation that changes on
/// every reuse of the slot, so a stale lease (already finished) finds nothing, and 10 bits of
/// worker (a router has at most 1024 workers).
struct LeaseTable {
    /// Where the worker's index starts in a lease.
    static let workerShift: UInt64 = 54
    /// The most workers a lease can name.
    static let maximumWorkers = 1 << 10
    private static let generationMask: UInt32 = (1 << 22) - 1

    /// The worker whose table issued `lease`.
    static func worker(of lease: UInt64) -> Int {
        Int(truncatingIfNeeded: lease >> workerShift)
    }

    /// The worker whose sessions this table holds.
    let worker: Int

    private struct Slot {
        var generation: UInt32 = 0
        var occupied = false
        var machine = RoutingSessionStateMachine()
        /// When the session was routed (monotonic nanoseconds), for its request duration.
        var started: UInt64 = 0
    }

    private var slots: [Slot] = []
    private var free: [Int] = []

    /// Sessions in flight.
    private(set) var count = 0

    /// An empty table for worker `worker` (0 ..< `maximumWorkers`).
    init(worker: Int = 0) {
        precondition(worker >= 0 && worker < Self.maximumWorkers, "a lease names at most 1024 workers")
        self.worker = worker
    }

    /// Stores `machine`, routed at `started` (monotonic nanoseconds), and returns its lease
    /// (never 0).
    mutating func insert(_ machine: RoutingSessionStateMachine, started: UInt64 = 0) -> UInt64 {
        let index: Int
        if let reused = free.popLast() {
            index = reused
        } else {
            index = slots.count
            slots.append(Slot())
        }
        // Generations start at 1, so no lease is 0.
        slots[index].generation = (slots[index].generation &+ 1) & Self.generationMask
        if slots[index].generation == 0 { slots[index].generation = 1 }
        slots[index].machine = machine
        slots[index].started = started
        slots[index].occupied = true
        count += 1
        return UInt64(worker) << Self.workerShift | UInt64(slots[index].generation) << 32 | UInt64(index)
    }

    /// Runs `body` on the lease's session and `state` in place (no copy of the session); nil
    /// when the lease is unknown or stale.
    mutating func modify<T>(
        _ lease: UInt64, with state: inout RouterState,
        _ body: (inout RoutingSessionStateMachine, inout RouterState) -> T
    ) -> T? {
        guard let index = slot(of: lease) else { return nil }
        return body(&slots[index].machine, &state)
    }

    /// Removes and returns the lease's session; nil when unknown or stale.
    mutating func remove(_ lease: UInt64) -> RoutingSessionStateMachine? {
        removeWithStart(lease)?.machine
    }

    /// Removes and returns the lease's session and when it was routed; nil when unknown or
    /// stale.
    mutating func removeWithStart(_ lease: UInt64) -> (machine: RoutingSessionStateMachine, started: UInt64)? {
        guard let index = slot(of: lease) else { return nil }
        let machine = slots[index].machine
        let started = slots[index].started
        slots[index].machine = RoutingSessionStateMachine()
        slots[index].occupied = false
        free.append(index)
        count -= 1
        return (machine, started)
    }

    private func slot(of lease: UInt64) -> Int? {
        let index = Int(truncatingIfNeeded: lease & 0xFFFF_FFFF)
        guard index < slots.count, Self.worker(of: lease) == worker,
            slots[index].generation == UInt32(truncatingIfNeeded: lease >> 32) & Self.generationMask,
            slots[index].occupied
        else { return nil }
        return index
    }
}
