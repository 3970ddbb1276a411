import RouterCore
import RouterCoreTesting
import Testing
@testable import RouterRuntime

@Suite("LeaseTable: routing sessions by lease")
struct LeaseTableTests {
    @Test("slots are reused with a new generation, so a finished lease finds nothing")
    func staleLeasesFindNothing() throws {
        var state = try RouterState(configuration: RoutingConfiguration(), clock: ManualClock())
        var table = LeaseTable()
        let first = table.insert(RoutingSessionStateMachine())
        let second = table.insert(RoutingSessionStateMachine())
        #expect(first != 0 && second != 0 && first != second)
        #expect(table.count == 2)
        #expect(table.modify(first, with: &state) { machine, _ in machine.attempts } == 0)
        #expect(table.remove(first) != nil)
        #expect(table.remove(first) == nil)
        #expect(table.modify(first, with: &state) { _, _ in true } == nil)
        // The freed slot is reused under a new lease; the old lease still finds nothing.
        let third = table.insert(RoutingSessionStateMachine())
        #expect(third & 0xFFFF_FFFF == first & 0xFFFF_FFFF)
        #expect(third != first)
        #expect(table.remove(first) == nil)
        #expect(table.count == 2)
        #expect(table.remove(1 << 32 | 999) == nil)
    }

    @Test("a session changed in place keeps the change")
    func modifyInPlace() throws {
        var configuration = RoutingConfiguration()
        configuration.staticNodes = ["127.0.0.1:1"]
        var state = try RouterState(configuration: configuration, clock: ManualClock())
        var table = LeaseTable()
        var machine = RoutingSessionStateMachine()
        var events: [RouterEvent] = []
        _ = machine.keyReceived("k", client: nil, router: &state, events: &events)
        let lease = table.insert(machine)
        table.modify(lease, with: &state) { machine, state in machine.connected(router: &state) }
        let removed = table.remove(lease)
        guard case .connected = removed?.state else {
            Issue.record("expected connected, got \(String(describing: removed?.state))")
            return
        }
    }
}
