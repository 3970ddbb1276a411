/// Something with one pending deadline in a lean loop's timer heap: a client connection (its
/// head and inactivity deadlines) or an upstream connection (its connect timeout).
protocol LeanTimerTarget: AnyObject {
    /// Where the target sits in the heap; only the heap writes it.
    var timerSlot: LeanTimerSlot { get set }
    /// The deadline passed; the target is no longer in the heap.
    func timerFired()
}

/// A timer target's place in the heap (its deadline sits in the heap, `deadline(of:)`).
struct LeanTimerSlot {
    /// The index in the heap, or -1 when not scheduled.
    var index = -1

    /// Whether the target is in the heap.
    var isScheduled: Bool { index >= 0 }
}

/// A binary min-heap of timer targets keyed by deadline, each target in it at most once and
/// knowing its own index, so rescheduling and cancelling cost O(log n) and a closed connection
/// leaves nothing behind (no lazily-expired entries that keep it alive). The deadlines sit in
/// an array beside the targets, so a loop tick's look at the earliest and every comparison
/// read plain integers, not a property through the target's protocol.
struct LeanTimerHeap {
    private var items: [any LeanTimerTarget] = []
    /// `items[i]`'s deadline at `deadlines[i]`.
    private var deadlines: [UInt64] = []

    /// Targets scheduled.
    var count: Int { items.count }

    /// The earliest deadline, if any.
    var earliest: UInt64? { deadlines.first }

    /// When `target` fires (monotonic nanoseconds), if it is scheduled.
    func deadline(of target: any LeanTimerTarget) -> UInt64? {
        let index = target.timerSlot.index
        return index >= 0 ? deadlines[index] : nil
    }

    /// Schedules `target` at `deadline`, moving it when it is already scheduled.
    mutating func schedule(_ target: any LeanTimerTarget, at deadline: UInt64) {
        let index = target.timerSlot.index
        if index >= 0 {
            let earlier = deadline < deadlines[index]
            deadlines[index] = deadline
            if earlier { siftUp(index) } else { siftDown(index) }
            return
        }
        target.timerSlot = LeanTimerSlot(index: items.count)
        items.append(target)
        deadlines.append(deadline)
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
        guard let first = deadlines.first, first <= now else { return nil }
        let target = items[0]
        remove(at: 0)
        return target
    }

    private mutating func remove(at index: Int) {
        items[index].timerSlot.index = -1
        let last = items.count - 1
        if index != last {
            items.swapAt(index, last)
            deadlines.swapAt(index, last)
            items.removeLast()
            deadlines.removeLast()
            items[index].timerSlot.index = index
            let parent = (index - 1) / 2
            if index > 0, deadlines[index] < deadlines[parent] {
                siftUp(index)
            } else {
                siftDown(index)
            }
        } else {
            items.removeLast()
            deadlines.removeLast()
        }
    }

    private mutating func siftUp(_ start: Int) {
        var index = start
        while index > 0 {
            let parent = (index - 1) / 2
            guard deadlines[index] < deadlines[parent] else { break }
            swapAt(index, parent)
            index = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var index = start
        while true {
            let left = 2 * index + 1
            guard left < deadlines.count else { return }
            var smallest = left
            let right = left + 1
            if right < deadlines.count, deadlines[right] < deadlines[left] { smallest = right }
            guard deadlines[smallest] < deadlines[index] else { return }
            swapAt(index, smallest)
            index = smallest
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        items.swapAt(a, b)
        deadlines.swapAt(a, b)
        items[a].timerSlot.index = a
        items[b].timerSlot.index = b
    }
}
