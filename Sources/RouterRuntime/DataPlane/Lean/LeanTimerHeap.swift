/// Something with one pending deadline in a lean loop's timer heap: a client connection (its
/// head and inactivity deadlines) or an upstream connection (its connect timeout).
protocol LeanTimerTarget: AnyObject {
    /// Where the target sits in the heap; only the heap writes it.
    var timerSlot: LeanTimerSlot { get set }
    /// The deadline passed; the target is no longer in the heap.
    func timerFired()
}

/// A timer target's place in the heap and its deadline (monotonic nanoseconds).
struct LeanTimerSlot {
    /// The index in the heap, or -1 when not scheduled.
    var index = -1
    /// When it fires, while scheduled.
    var deadline: UInt64 = 0

    /// Whether the target is in the heap.
    var isScheduled: Bool { index >= 0 }
}

/// A binary min-heap of timer targets keyed by deadline, each target in it at most once and
/// knowing its own index, so rescheduling and cancelling cost O(log n) and a closed connection
/// leaves nothing behind (no lazily-expired entries that keep it alive).
struct LeanTimerHeap {
    private var items: [any LeanTimerTarget] = []

    /// Targets scheduled.
    var count: Int { items.count }

    /// The earliest deadline, if any.
    var earliest: UInt64? { items.first?.timerSlot.deadline }

    /// Schedules `target` at `deadline`, moving it when it is already scheduled.
    mutating func schedule(_ target: any LeanTimerTarget, at deadline: UInt64) {
        let index = target.timerSlot.index
        if index >= 0 {
            let earlier = deadline < target.timerSlot.deadline
            target.timerSlot.deadline = deadline
            if earlier { siftUp(index) } else { siftDown(index) }
            return
        }
        target.timerSlot = LeanTimerSlot(index: items.count, deadline: deadline)
        items.append(target)
        siftUp(items.count - 1)
    }

    /// Removes `target` if it is scheduled.
    mutating func cancel(_ target: any LeanTimerTarget) {
        let index = target.timerSlot.index
        guard index >= 0, index < items.count, items[index] === target else { return }
        remove(at: index)
    }

    /// Removes and returns the earliest target whose deadline is at or before `now`.
    mutating func popExpired(now: UInt64) -> (any LeanTimerTarget)? {
        guard let first = items.first, first.timerSlot.deadline <= now else { return nil }
        remove(at: 0)
        return first
    }

    private mutating func remove(at index: Int) {
        let removed = items[index]
        removed.timerSlot.index = -1
        let last = items.count - 1
        if index != last {
            items[index] = items[last]
            items[index].timerSlot.index = index
            items.removeLast()
            let parent = (index - 1) / 2
            if index > 0, items[index].timerSlot.deadline < items[parent].timerSlot.deadline {
                siftUp(index)
            } else {
                siftDown(index)
            }
        } else {
            items.removeLast()
        }
    }

    private mutating func siftUp(_ start: Int) {
        var index = start
        while index > 0 {
            let parent = (index - 1) / 2
            guard items[index].timerSlot.deadline < items[parent].timerSlot.deadline else { break }
            swapAt(index, parent)
            index = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var index = start
        while true {
            let left = 2 * index + 1
            guard left < items.count else { return }
            var smallest = left
            let right = left + 1
            if right < items.count, items[right].timerSlot.deadline < items[left].timerSlot.deadline { smallest = right }
            guard items[smallest].timerSlot.deadline < items[index].timerSlot.deadline else { return }
            swapAt(index, smallest)
            index = smallest
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        items.swapAt(a, b)
        items[a].timerSlot.index = a
        items[b].timerSlot.index = b
    }
}
