import Dashboard
import FleetModel
import FleetModelTesting
import TUICore
import TUICoreTesting
import Testing
import ThreadTesting

@Suite("The fleet intents overlay", .ownThread)
struct IntentOverlayTests {
    static func snapshot(intents: [FleetIntentLine]?) -> FleetSnapshot {
        var snapshot = CannedFleets.snapshot()
        snapshot.setIntents(intents)
        return snapshot
    }

    static let drain = FleetIntentLine(
        name: "drain_127.0.0.1:3031", summary: "drain 127.0.0.1:3031 on every router (alice@h: kernel upgrade)",
        time: CannedFleets.epoch - 125, revision: 42)

    @Test("I lists each intent with its revision, age, author and reason; the header counts them; any key closes")
    func lists() {
        var state = cannedState(snapshot: Self.snapshot(intents: [Self.drain]))
        #expect(draw(state).text.contains("1 fleet intent (I)"))
        press(.char("I"), state: &state)
        #expect(state.modal == .intents(offset: 0))
        let text = draw(state).text
        #expect(text.contains("Fleet intents (1)"))
        #expect(text.contains("drain_127.0.0.1:3031  rev 42  2m ago"))
        #expect(text.contains("alice@h: kernel upgrade"))
        press(.char("j"), state: &state)
        #expect(state.modal == .intents(offset: 1))
        press(.char("x"), state: &state)
        #expect(state.modal == nil)
    }

    @Test("without a registry the overlay says how to get one; with none set, that there are none")
    func empty() {
        var state = cannedState()
        press(.char("I"), state: &state)
        #expect(draw(state).text.contains("No fleet registry: start fleettop with --registry"))
        var empty = cannedState(snapshot: Self.snapshot(intents: []))
        press(.char("I"), state: &empty)
        #expect(draw(empty).text.contains("No fleet-wide intents in the registry."))
        #expect(!draw(empty).text.contains("fleet intent (I)"))
    }

    @Test("a new intent list changes the snapshot; the same list does not")
    func versions() {
        var snapshot = CannedFleets.snapshot()
        let before = snapshot.version
        snapshot.setIntents(nil)
        #expect(snapshot.version == before)
        snapshot.setIntents([Self.drain])
        #expect(snapshot.version != before)
        #expect(snapshot != CannedFleets.snapshot())
    }
}
