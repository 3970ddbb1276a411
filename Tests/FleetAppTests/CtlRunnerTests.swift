import FleetModel
import FleetModelTesting
import RouterWire
import Testing
@testable import FleetApp

@Suite("ctl: one edit, result, exit status")
struct CtlRunnerTests {
    private let stats = StatsAddress.tcp(host: "127.0.0.1", port: 9191)
    private var routerID: RouterID { RouterID(stats.derivedName) }

    private func control(_ document: StatsDocument) -> FakeFleetControl {
        FakeFleetControl(documents: [routerID: document])
    }

    @Test("drain without --key finds the node's key, applies once, reports it")
    func drain() async {
        let fake = control(CannedFleets.fleetrouterHTTP())
        let report = await CtlRunner.report(
            CtlConfiguration(stats: stats, edit: .drain(NodeRef(node: "127.0.0.1:4042"))), control: fake)
        #expect(report == .init(message: "127.0.0.1:9191 (http): drain 127.0.0.1:4042 (api.example.com): applied", applied: true))
        let edits = await fake.receivedEdits
        #expect(edits.map(\.edit) == [.drain(NodeRef(key: "api.example.com", node: "127.0.0.1:4042"))])
    }

    @Test("weight and cheap go through; the router's document changes")
    func weightAndCheap() async {
        let fake = control(CannedFleets.fleetrouterHTTP())
        let weight = await CtlRunner.report(
            CtlConfiguration(stats: stats, edit: .setWeight(NodeRef(key: "app.example.com", node: "127.0.0.1:3031"), 9)),
            control: fake)
        #expect(weight.applied)
        let cheap = await CtlRunner.report(CtlConfiguration(stats: stats, edit: .setCheap(.on)), control: fake)
        #expect(cheap.applied)
        #expect(await fake.documents[routerID]?.cheapMode == .on)
        #expect(await fake.receivedEdits.count == 2)
    }

    @Test("a node the router does not have, or not under that key, is refused before sending")
    func unknownNode() async {
        let fake = control(CannedFleets.fleetrouterHTTP())
        let missing = await CtlRunner.report(
            CtlConfiguration(stats: stats, edit: .kick(NodeRef(node: "10.9.9.9:1"))), control: fake)
        #expect(missing == .init(message: "router 127.0.0.1:9191: no node 10.9.9.9:1 on this router", applied: false))
        let wrongKey = await CtlRunner.report(
            CtlConfiguration(stats: stats, edit: .drain(NodeRef(key: "app.example.com", node: "127.0.0.1:4042"))),
            control: fake)
        #expect(!wrongKey.applied)
        #expect(wrongKey.message.contains("it is under api.example.com"))
        #expect(await fake.receivedEdits.isEmpty)
    }

    @Test("a node under several keys needs --key")
    func ambiguous() async {
        var document = CannedFleets.fleetrouterHTTP()
        if var slots = document.subscriptions, let node = slots[0].nodes.first {
            slots[1].nodes.append(node)
            document.subscriptions = slots
        }
        let report = await CtlRunner.report(
            CtlConfiguration(stats: stats, edit: .drain(NodeRef(node: "127.0.0.1:4041"))), control: control(document))
        #expect(!report.applied)
        #expect(report.message.contains("serves several keys (api.example.com, app.example.com); give --key"))
    }

    @Test("a real uWSGI router cannot take a sticky drain: refused with the reason, nothing sent")
    func uwsgiDrain() async {
        let fake = control(CannedFleets.uwsgiHTTPAfterRequests())
        let report = await CtlRunner.report(
            CtlConfiguration(stats: stats, edit: .drain(NodeRef(node: "127.0.0.1:13031"))), control: fake)
        #expect(!report.applied)
        #expect(report.message.contains(RouterCapabilities.Reason.uwsgiDrain))
        #expect(await fake.receivedEdits.isEmpty)
    }

    @Test("an unreachable router: the message names it and its address")
    func unreachable() async {
        let fake = FakeFleetControl(pollErrors: [routerID: "connection refused"])
        let report = await CtlRunner.report(CtlConfiguration(stats: stats, edit: .setCheap(.off)), control: fake)
        #expect(report == .init(message: "router 127.0.0.1:9191 (127.0.0.1:9191): cannot read stats: connection refused", applied: false))
    }

    @Test("a refused edit exits non-zero with the router's reason")
    func refused() async {
        let fake = control(CannedFleets.fleetrouterHTTP())
        await fake.setForcedOutcome(.refused(reason: "token rejected"), for: routerID)
        let report = await CtlRunner.report(CtlConfiguration(stats: stats, edit: .setCheap(.off)), control: fake)
        #expect(report == .init(message: "127.0.0.1:9191 (http): cheap off: refused: token rejected", applied: false))
    }
}
