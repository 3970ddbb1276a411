import RouterWire
import Testing
@testable import FleetModel

/// One router's node histories in one block, and rates stored by position.
struct NodeHistoriesTests {
    @Test("every history gets its sample at each poll; a ring keeps the newest `capacity`, oldest first")
    func wrapping() {
        var block = NodeHistories(capacity: 3)
        let a = block.add()
        for value in 1...5 {
            block.advance()
            block.set(Double(value), for: a)
        }
        #expect(block.elements(of: a) == [3, 4, 5])
    }

    @Test("a history added later is only as long as the polls since; one not set reads 0")
    func lateAndUnset() {
        var block = NodeHistories(capacity: 4)
        let a = block.add()
        block.advance()
        block.set(1, for: a)
        let b = block.add()
        #expect(block.elements(of: b).isEmpty)
        block.advance()
        block.set(2, for: a)
        #expect(block.elements(of: a) == [1, 2])
        #expect(block.elements(of: b) == [0])
    }

    @Test("keeping some histories reorders them, drops the rest, and adds empty ones")
    func keeping() {
        var block = NodeHistories(capacity: 2)
        let (a, b) = (block.add(), block.add())
        for value in 1...3 {
            block.advance()
            block.set(Double(value), for: a)
            block.set(Double(value * 10), for: b)
        }
        var kept = block.keeping([b, nil])
        #expect(kept.count == 2)
        #expect(kept.elements(of: 0) == [20, 30])
        #expect(kept.elements(of: 1).isEmpty)
        kept.advance()
        kept.set(40, for: 0)
        kept.set(7, for: 1)
        #expect(kept.elements(of: 0) == [30, 40])
        #expect(kept.elements(of: 1) == [7])
        #expect(block.elements(of: a) == [2, 3], "the original is untouched")
    }

    @Test("a rate table sums a key listed twice, and equal tables are equal in any order")
    func rateTable() {
        var table = RateTable<String>()
        table.add(2, to: "a")
        table.add(3, to: "b")
        table.add(4, to: "a")
        #expect(table["a"] == 6)
        #expect(table["b"] == 3)
        #expect(table["c"] == nil)
        #expect(table.count == 2)
        let other = RateTable(["b": 3, "a": 6.0])
        #expect(table == other)
        #expect(table.hashValue == other.hashValue)
        #expect(table != RateTable(["a": 6, "b": 3.5]))
        #expect(table != RateTable(["a": 6.0]))
        var written = table
        written.set(9, at: written.position(of: "b")!)
        #expect(written["b"] == 9 && table["b"] == 3, "a copy written by position leaves the original")
        written.assign(1, to: "c")
        #expect(written.dictionary == ["a": 6, "b": 9, "c": 1])
    }
}
