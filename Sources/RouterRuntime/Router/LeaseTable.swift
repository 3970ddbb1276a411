import RouterCore

/// The routing sessions in flight, by lease: a slab of slots reused through a free list, so
/// the per-request insert, lookup and removal are array accesses (no hashing, no rehashing as
/// the number of sessions in flight goes up and down).
///
/// A lease is `generation << 32 | slot`; the slot's generation changes on every reuse, so a
/// stale lease (already finished) finds nothing.
struct LeaseTable {
    private struct Slot {
        var generation: UInt32 = 0
        var occupied = false
        var machine = RoutingSessionStateMachine()
    }

    private var slots: [Slot] = []
    private var free: [Int] = []

    /// Sessions in flight.
    private(set) var count = 0

    /// Stores `machine` and returns its lease (never 0).
    mutating func insert(_ machine: RoutingSessionStateMachine) -> UInt64 {
        let index: Int
        if let reused = free.popLast() {
            index = reused
        } else {
            index = slots.count
            slots.append(Slot())
        }
        // Generations start at 1, so no lease is 0.
        slots[index].generation &+= 1
        if slots[index].generation == 0 { slots[index].generation = 1 }
        slots[index].machine = machine
        slots[index].occupied = true
        count += 1
        return UInt64(slots[index].generation) << 32 | UInt64(index)
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
        guard let index = slot(of: lease) else { return nil }
        let machine = slots[index].machine
        slots[index].machine = RoutingSessionStateMachine()
        slots[index].occupied = false
        free.append(index)
        count -= 1
        return machine
    }

    private func slot(of lease: UInt64) -> Int? {
        let index = Int(truncatingIfNeeded: lease & 0xFFFF_FFFF)
        guard index < slots.count, slots[index].generation == UInt32(truncatingIfNeeded: lease >> 32),
            slots[index].occupied
        else { return nil }
        return index
    }
}
