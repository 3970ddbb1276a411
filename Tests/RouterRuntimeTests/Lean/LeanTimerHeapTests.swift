import Testing
@testable import RouterRuntime

@Suite("Lean loop timer heap")
struct LeanTimerHeapTests {
    final class Target: LeanTimerTarget {
        let id: Int
        var timerSlot = LeanTimerSlot()
        init(_ id: Int) { self.id = id }
        func timerFired() {}
    }

    static func drain(_ heap: inout LeanTimerHeap, now: UInt64) -> [Int] {
        var fired: [Int] = []
        while let target = heap.popExpired(now: now) { fired.append((target as? Target)?.id ?? -1) }
        return fired
    }

    @Test("targets fire in deadline order, only once due")
    func ordering() {
        var heap = LeanTimerHeap()
        var generator = SeededBytes(seed: 7)
        let targets = (0..<200).map(Target.init)
        var deadlines: [Int: UInt64] = [:]
        for target in targets {
            let deadline = UInt64(generator.next()) * 1000 + UInt64(target.id)
            deadlines[target.id] = deadline
            heap.schedule(target, at: deadline)
        }
        #expect(heap.popExpired(now: 0) == nil)
        let fired = Self.drain(&heap, now: .max)
        #expect(fired == targets.map(\.id).sorted { deadlines[$0]! < deadlines[$1]! })
        #expect(heap.count == 0)
        #expect(targets.allSatisfy { !$0.timerSlot.isScheduled })
    }

    @Test("cancelling and rescheduling keep the order and leave nothing behind")
    func cancelAndReschedule() {
        var heap = LeanTimerHeap()
        let targets = (0..<10).map(Target.init)
        for target in targets { heap.schedule(target, at: UInt64(100 + target.id * 10)) }
        heap.cancel(targets[3])
        heap.cancel(targets[0])
        heap.cancel(targets[0])  // twice is harmless
        heap.schedule(targets[9], at: 5)     // earlier
        heap.schedule(targets[1], at: 1000)  // later
        #expect(heap.count == 8)
        #expect(heap.earliest == 5)
        #expect(Self.drain(&heap, now: 150) == [9, 2, 4, 5])
        #expect(Self.drain(&heap, now: .max) == [6, 7, 8, 1])
        #expect(!targets[3].timerSlot.isScheduled)
    }

    @Test("random schedules, moves, cancels and pops agree with a plain model at every step")
    func randomAgainstModel() {
        var heap = LeanTimerHeap()
        var generator = SeededBytes(seed: 11)
        let targets = (0..<64).map(Target.init)
        var model: [Int: UInt64] = [:]
        var clock: UInt64 = 0
        for _ in 0..<10_000 {
            let target = targets[Int(generator.next()) % targets.count]
            switch generator.next() % 4 {
            case 0, 1:
                let deadline = clock + UInt64(generator.next())
                heap.schedule(target, at: deadline)
                model[target.id] = deadline
            case 2:
                heap.cancel(target)
                model[target.id] = nil
            default:
                clock += UInt64(generator.next() % 64)
                let due = model.filter { $0.value <= clock }
                let fired = heap.popExpired(now: clock) as? Target
                if let fired {
                    #expect(due[fired.id] != nil && due[fired.id] == due.values.min(), "popped \(fired.id), not the earliest due")
                    model[fired.id] = nil
                } else {
                    #expect(due.isEmpty)
                }
            }
            #expect(heap.count == model.count)
            #expect(heap.earliest == model.values.min())
            #expect(target.timerSlot.isScheduled == (model[target.id] != nil))
        }
        #expect(targets.allSatisfy { $0.timerSlot.isScheduled == (model[$0.id] != nil) })
        let rest = Self.drain(&heap, now: .max)
        #expect(rest.map { model[$0]! } == model.values.sorted())
    }
}
