import Testing
@testable import FleetModel

/// A sort given the order it found last time reuses it only when the keys and the sort are the
/// same, and always gives what sorting afresh gives.
struct SortReuseTests {
    private func nodeRow(_ name: String, rate: Double?) -> NodeRow {
        NodeRow(id: NodeID(key: "k", name: name), state: .ready, presence: .present, weight: 1,
                operatorWeight: nil, inFlight: 0, requests: 0, requestsPerSecond: rate, failcnt: 0,
                lastAnnounceAge: 0, tx: 0, rx: 0, backup: nil, history: [])
    }

    @Test("same keys: the last permutation is reused, and the rows are those of a fresh sort")
    func sameKeysReuse() {
        let sort = TableSort(NodeColumn.name)
        let first = [nodeRow("b", rate: 1), nodeRow("C", rate: 2), nodeRow("a", rate: 3)]
        let (sorted, order) = sort.apply(to: first, reusing: nil)
        #expect(sorted.map(\.name) == ["a", "b", "C"])
        // New rates, same names: a name sort need not compare again.
        let next = [nodeRow("b", rate: 10), nodeRow("C", rate: 20), nodeRow("a", rate: 30)]
        let (again, reused) = sort.apply(to: next, reusing: order)
        #expect(reused.permutation == order.permutation)
        #expect(again == sort.apply(to: next))
        #expect(again.map(\.requestsPerSecond) == [30, 10, 20])
    }

    @Test("other keys, another column or direction, or other rows: sorted afresh",
          arguments: [
            (TableSort(NodeColumn.name), ["c", "b", "a"]),
            (TableSort(NodeColumn.name, .descending), ["b", "C", "a"]),
            (TableSort(NodeColumn.requestsPerSecond), ["b", "C", "a"]),
          ])
    func changedKeysSortAgain(sort: TableSort<NodeColumn>, names: [String]) {
        let rows = [nodeRow("b", rate: 1), nodeRow("C", rate: 2), nodeRow("a", rate: 3)]
        let (_, order) = TableSort(NodeColumn.name).apply(to: rows, reusing: nil)
        let next = names.enumerated().map { nodeRow($1, rate: Double($0)) }
        let (sorted, _) = sort.apply(to: next, reusing: order)
        #expect(sorted == sort.apply(to: next))
        let (fewer, _) = sort.apply(to: Array(next.prefix(2)), reusing: order)
        #expect(fewer == sort.apply(to: Array(next.prefix(2))))
    }
}
