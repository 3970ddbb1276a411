import FleetModelTesting
import Testing
import RouterWire
@testable import FleetModel

@Suite struct QueryTests {
    private func nodeRow(_ name: String, key: String = "k", rate: Double?, weight: UInt64 = 1) -> NodeRow {
        NodeRow(id: NodeID(key: key, name: name), state: .ready, presence: .present, weight: weight,
                operatorWeight: nil, inFlight: 0, requests: 0, requestsPerSecond: rate, failcnt: 0,
                lastAnnounceAge: 0, tx: 0, rx: 0, backup: nil, history: [])
    }

    @Test func numericColumnsSortNumericallyNotAsText() {
        let rows = [nodeRow("a", rate: 9), nodeRow("b", rate: 10), nodeRow("c", rate: 100)]
        #expect(TableSort(NodeColumn.requestsPerSecond).apply(to: rows).map(\.name) == ["a", "b", "c"])
        #expect(TableSort(NodeColumn.requestsPerSecond, .descending).apply(to: rows).map(\.name) == ["c", "b", "a"])
    }

    @Test func equalKeysKeepInputOrderInBothDirections() {
        let rows = [nodeRow("z", rate: 1), nodeRow("y", rate: 2), nodeRow("x", rate: 1), nodeRow("w", rate: 2)]
        #expect(TableSort(NodeColumn.requestsPerSecond).apply(to: rows).map(\.name) == ["z", "x", "y", "w"])
        #expect(TableSort(NodeColumn.requestsPerSecond, .descending).apply(to: rows).map(\.name) == ["y", "w", "z", "x"])
    }

    @Test func missingValuesGoLastEitherWay() {
        let rows = [nodeRow("a", rate: nil), nodeRow("b", rate: 5), nodeRow("c", rate: 1)]
        #expect(TableSort(NodeColumn.requestsPerSecond).apply(to: rows).map(\.name) == ["c", "b", "a"])
        #expect(TableSort(NodeColumn.requestsPerSecond, .descending).apply(to: rows).map(\.name) == ["b", "c", "a"])
    }

    @Test func textSortsCaseInsensitively() {
        let rows = [nodeRow("beta", rate: 0), nodeRow("Alpha", rate: 0), nodeRow("alpha", rate: 0), nodeRow("Gamma", rate: 0)]
        #expect(TableSort(NodeColumn.name).apply(to: rows).map(\.name) == ["Alpha", "alpha", "beta", "Gamma"])
    }

    @Test func shiftingColumnsWraps() {
        let sort = TableSort(RouterColumn.name, .descending)
        #expect(sort.shifted(by: 1).column == .kind)
        #expect(sort.shifted(by: -1).column == .rx)
        #expect(sort.shifted(by: -1).direction == .descending)
        #expect(SortDirection.ascending.toggled == .descending)
    }

    @Test func routerTableSortsByHealthWorstLastAscending() {
        let rows = CannedFleets.snapshot().routerRows(at: .init(secondsSinceEpoch: CannedFleets.epoch + 1))
        #expect(TableSort(RouterColumn.health, .descending).apply(to: rows).first?.id == CannedFleets.unreachableID)
        #expect(TableSort(RouterColumn.requestsPerSecond, .descending).apply(to: rows).map(\.id)
            == [CannedFleets.fleetrouterID, CannedFleets.uwsgiID, CannedFleets.unreachableID])
    }

    @Test func filterMatchesNameKeyAddressAndTagsIgnoringCase() {
        let rows = CannedFleets.snapshot().routerRows(at: .init(secondsSinceEpoch: CannedFleets.epoch + 1))
        #expect(TextFilter("EDGE").apply(to: rows).map(\.name) == ["edge-http", "edge-down"])
        #expect(TextFilter("legacy").apply(to: rows).map(\.name) == ["legacy-uwsgi"])
        #expect(TextFilter("app.local").apply(to: rows).map(\.name) == ["legacy-uwsgi"])
        #expect(TextFilter(":9393").apply(to: rows).map(\.name) == ["edge-down"])
        #expect(TextFilter("  ").apply(to: rows).count == 3)
        #expect(TextFilter("nothing-like-this").apply(to: rows).isEmpty)
    }

    /// A row with named fields, for the filter's term rules.
    private struct Item: Searchable {
        var name: String
        var kind: String
        var host: String
        var keys: [String]
        var searchFields: [String] { [name, kind, host] + keys }
        func searchValues(for field: String) -> [String]? {
            switch field {
            case "kind": return [kind]
            case "host": return [host]
            case "key": return keys
            default: return nil
            }
        }
    }

    @Test func filterTermsCompose() {
        let items = [
            Item(name: "a", kind: "http", host: "web-1", keys: ["app.local", "api.local"]),
            Item(name: "b", kind: "http", host: "db-1", keys: ["app.local"]),
            Item(name: "c", kind: "rawrouter", host: "web-2", keys: []),
            Item(name: "d", kind: "fastrouter", host: "web-10", keys: ["admin.local"]),
        ]
        func names(_ text: String) -> [String] { TextFilter(text).apply(to: items).map(\.name) }
        #expect(names("kind:http key:app host:web-*") == ["a"])
        #expect(names("kind:http") == ["a", "b"])
        #expect(names("KIND:HTTP") == ["a", "b"], "fields and patterns ignore case")
        #expect(names("host:web-?") == ["a", "c"], "? is one character, and a glob matches the whole value")
        #expect(names("host:web") == ["a", "c", "d"], "without a wildcard a pattern is a substring")
        #expect(names("host:*1*") == ["a", "b", "d"])
        #expect(names("-kind:http") == ["c", "d"])
        #expect(names("!key:app web") == ["c", "d"], "negation and free text compose")
        #expect(names("key:*.local") == ["a", "b", "d"])
        #expect(names("color:red").isEmpty, "a field rows do not have matches none")
        #expect(names("10.0.0.1:3031").isEmpty, "an address is free text, not a field")
        #expect(names("").count == 4)
        #expect(TextFilter.Pattern.glob(Array("a*b*c"), Array("axxbyyc")))
        #expect(!TextFilter.Pattern.glob(Array("a*b*c"), Array("axxbyy")))
        #expect(TextFilter.Pattern.glob(Array("***"), Array("")))
        #expect(TextFilter.Pattern.glob(Array(String(repeating: "*a", count: 30)), Array(String(repeating: "a", count: 60))))
    }

    @Test func nodeSlotAndSessionTables() throws {
        let entry = try #require(CannedFleets.snapshot()[CannedFleets.fleetrouterID])
        let now = FleetInstant(secondsSinceEpoch: CannedFleets.epoch + 1)
        let nodes = entry.nodeRows(key: "app.example.com", at: now, tolerance: 17)
        #expect(nodes.map(\.name) == ["127.0.0.1:3031", "127.0.0.1:3032", "127.0.0.1:3033"])
        #expect(nodes[1].state == .draining)
        #expect(nodes[1].inFlight == 2)
        #expect(nodes[0].requestsPerSecond == 400)
        #expect(nodes[0].lastAnnounceAge == 3)
        #expect(TableSort(NodeColumn.weight, .descending).apply(to: nodes).first?.name == "127.0.0.1:3033")
        #expect(TextFilter("draining").apply(to: nodes).map(\.name) == ["127.0.0.1:3032"])

        let slots = entry.slotRows(at: now, tolerance: 17)
        #expect(slots.map(\.key) == ["api.example.com", "app.example.com"])
        #expect(slots[1].hitsPerSecond == 1_230)
        #expect(slots[1].readyCount == 2)
        #expect(TextFilter("4042").apply(to: slots).map(\.key) == ["api.example.com"])

        let sessions = entry.sessionRows
        #expect(sessions.count == 4)
        #expect(TableSort(SessionColumn.age, .descending).apply(to: sessions).first?.session.age == 41)
        #expect(TableSort(SessionColumn.node).apply(to: sessions).last?.session.node == "")
        #expect(TextFilter("headers").apply(to: sessions).map(\.id) == [3])
    }
}
