import Dashboard
import FleetModel
import FleetModelTesting
import RouterWire
import TUICore
import TUICoreTesting
import Testing
import ThreadTesting

@Suite("Hostile stats documents render without trapping", .ownThread)
struct HostileDocumentTests {
    /// The canned fleetrouter document with every number a router could send at its maximum.
    static func extremeSnapshot() -> FleetSnapshot {
        var document = CannedFleets.fleetrouterHTTP()
        document.sessions = document.sessions?.map { session in
            var session = session
            session.age = 1 << 63
            session.tx = .max
            session.rx = .max
            session.key = "evil\u{1B}[2Jkey"
            return session
        }
        if var slot = document.subscriptions?.first {
            slot.hits = .max
            for index in slot.nodes.indices {
                slot.nodes[index].requests = .max
                slot.nodes[index].tx = .max
                slot.nodes[index].lastCheck = .max
                slot.nodes[index].weight = .max
            }
            document.subscriptions = [slot]
        }
        var snapshot = FleetSnapshot(endpoints: CannedFleets.endpoints)
        let first = FleetInstant(secondsSinceEpoch: CannedFleets.epoch)
        snapshot.recordSuccess(CannedFleets.fleetrouterHTTP(), for: CannedFleets.fleetrouterID, at: first)
        // 1 ns later: counters of UInt64.max over a tiny interval give rates near 1.8e28/s.
        snapshot.recordSuccess(document, for: CannedFleets.fleetrouterID, at: FleetInstant(secondsSinceEpoch: CannedFleets.epoch + 1e-9))
        return snapshot
    }

    @Test("a session age of 2^63 shows on the connections screen as a capped age")
    func connectionsScreen() throws {
        var state = cannedState(width: 120, height: 30, snapshot: Self.extremeSnapshot())
        openRouter(CannedFleets.fleetrouterID, state: &state)
        press(.enter, state: &state)
        let backend = draw(state)
        #expect(backend.text.contains(">27y"))
        #expect(backend.line(1).hasPrefix("edge-http connections"))
    }

    @Test("every screen draws a document of maximal counters", arguments: [false, true])
    func everyScreen(openNodes: Bool) throws {
        var state = cannedState(width: 160, height: 40, snapshot: Self.extremeSnapshot())
        _ = draw(state)
        openRouter(CannedFleets.fleetrouterID, state: &state)
        if openNodes { state.routerPane = .nodes }
        let text = draw(state).text
        #expect(text.contains("edge-http"))
    }

    @Test("Format never traps, whatever the magnitude", arguments: [
        0, 1, 9.99, 1e6, 9.2e18, 1.8e19, 1e300, -1e300, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
        .infinity, .nan, Double(1 << 62) * 2,
    ])
    func formatMagnitudes(value: Double) {
        _ = Format.age(value)
        _ = Format.rate(value)
        _ = Format.bytes(value)
        _ = Format.clock(FleetInstant(secondsSinceEpoch: value), utcOffset: 3600)
        #expect(Format.count(UInt64.max).count <= 8)
    }

    @Test("ages past the range show capped, within it as before")
    func ageValues() {
        #expect(Format.age(Double(UInt64(1) << 63)) == ">27y")
        #expect(Format.age(9_999 * 86_400) == "9999d")
        #expect(Format.age(90) == "90s")
        #expect(Format.age(3 * 86_400) == "3d")
        #expect(Format.rate(1e300) == ">99999T")
    }
}
