import Dashboard
import FleetModel
import FleetModelTesting
import Foundation
import RouterWire
import TUICore
import TUICoreTesting

/// "Now" for the canned fleet: one interval after the first poll.
let cannedNow = FleetInstant(secondsSinceEpoch: CannedFleets.epoch + 1)

/// A dashboard state over the canned fleet (fleetrouter, real uWSGI, unreachable).
func cannedState(width: Int = 80, height: Int = 24, readOnly: Bool = false,
                 snapshot: FleetSnapshot = CannedFleets.snapshot(), themes: [Theme] = BuiltinThemes.all) -> DashboardState {
    DashboardState(snapshot: snapshot, size: Size(width: width, height: height), now: cannedNow,
                   options: .init(readOnly: readOnly), themes: themes)
}

/// Feeds keys to the reducer and returns every effect they produced, in order.
@discardableResult
func press(_ keys: Key..., state: inout DashboardState) -> [DashboardEffect] {
    keys.flatMap { update(state: &state, event: .key($0)) }
}

/// Types text into whatever has the keys (one `.char` per character).
@discardableResult
func type(_ text: String, state: inout DashboardState) -> [DashboardEffect] {
    text.flatMap { update(state: &state, event: .key(.char($0))) }
}

/// Opens the Router screen of `router` from the Fleet screen.
func openRouter(_ router: RouterID, state: inout DashboardState) {
    guard let index = state.fleetRows.firstIndex(where: { $0.id == router }) else { return }
    state.fleetTable.selected = index
    press(.enter, state: &state)
}

/// Selects the node `address` under `key` on the open Router screen (nodes pane).
func selectNode(key: String?, address: String, state: inout DashboardState) {
    if let keyIndex = state.keyRows.firstIndex(where: { $0.key == key }) { state.keyTable.selected = keyIndex }
    state.routerPane = .nodes
    if let nodeIndex = state.nodeRows.firstIndex(where: { $0.name == address }) { state.nodeTable.selected = nodeIndex }
}

/// Draws one frame of `state` on a fresh in-memory terminal of the state's size.
func draw(_ state: DashboardState) -> TestBackend {
    let backend = TestBackend(width: state.size.width, height: state.size.height)
    let terminal = Terminal(backend: backend)
    terminal.draw { DashboardView.render(state, into: &$0) }
    return backend
}

/// The first row whose text contains `text`, or nil.
func row(containing text: String, in backend: TestBackend) -> Int? {
    backend.lines.firstIndex { $0.contains(text) }
}

/// The column where `text` starts in row `y`, or nil.
func column(of text: String, row y: Int, in backend: TestBackend) -> Int? {
    let line = backend.line(y)
    guard let range = line.range(of: text) else { return nil }
    return line.distance(from: line.startIndex, to: range.lowerBound)
}

/// A fleet whose node `127.0.0.1:3031` is listed by two fleetrouters and one real uWSGI router.
func sharedNodeSnapshot() -> FleetSnapshot {
    let endpoints = CannedFleets.endpoints.prefix(2) + [
        RouterEndpoint(name: "edge-http-2", stats: .tcp(host: "127.0.0.1", port: 9195),
                       admin: .tcp(host: "127.0.0.1", port: 9296)),
    ]
    var snapshot = FleetSnapshot(endpoints: Array(endpoints))
    var uwsgi = CannedFleets.uwsgiHTTPAfterRequests()
    if var slot = uwsgi.subscriptions?.first {
        slot.nodes[0].name = "127.0.0.1:3031"
        uwsgi.subscriptions = [slot]
    }
    let at = FleetInstant(secondsSinceEpoch: CannedFleets.epoch)
    snapshot.recordSuccess(CannedFleets.fleetrouterHTTP(), for: CannedFleets.fleetrouterID, at: at)
    snapshot.recordSuccess(uwsgi, for: CannedFleets.uwsgiID, at: at)
    snapshot.recordSuccess(CannedFleets.fleetrouterHTTP(), for: "edge-http-2", at: at)
    return snapshot
}

/// The canned fleet with `app.example.com`'s nodes ready, draining, drained and dead.
func everyStateSnapshot() -> FleetSnapshot {
    var document = CannedFleets.fleetrouterHTTP()
    if var slots = document.subscriptions, let app = slots.firstIndex(where: { $0.key == "app.example.com" }) {
        var extra = slots[app].nodes[0]
        extra.name = "127.0.0.1:3034"
        extra.ref = 0
        extra.operatorFields = .init(state: .dead, drain: 0)
        var drained = slots[app].nodes[2]
        drained.name = "127.0.0.1:3035"
        drained.operatorFields = .init(state: .drained, drain: 1)
        slots[app].nodes += [extra, drained]
        document.subscriptions = slots
    }
    var snapshot = FleetSnapshot(endpoints: CannedFleets.endpoints)
    snapshot.recordSuccess(document, for: CannedFleets.fleetrouterID, at: FleetInstant(secondsSinceEpoch: CannedFleets.epoch))
    return snapshot
}
