import RouterCore
import RouterCoreTesting
import Testing

@Suite("The code mapper with answers resolved by the runtime (codeMapper)")
struct CodeMapperSessionTests {
    func router(fallbacks: [String] = []) throws -> RouterState {
        var configuration = RoutingConfiguration()
        configuration.codeMapper = true
        configuration.fallbacks = fallbacks
        return try RouterState(configuration: configuration, clock: ManualClock())
    }

    @Test("codeMapper makes the code mapper active, below base and above static nodes")
    func precedence() {
        var configuration = RoutingConfiguration()
        configuration.codeMapper = true
        configuration.staticNodes = ["s:1"]
        #expect(MapperKind.active(for: configuration) == .code)
        configuration.useBase = "/b/"
        #expect(MapperKind.active(for: configuration) == .base("/b/"))
    }

    @Test("the answer handed in with the key is the target; none is 'no node'")
    func answerIsTheTarget() throws {
        var state = try router()
        var events: [RouterEvent] = []
        var session = RoutingSessionStateMachine()
        let action = session.keyReceived("app", client: nil, resolved: NodeAddress(address: "127.0.0.1:9", modifier1: 7),
                                         router: &state, events: &events)
        #expect(action == .connect(RouteTarget(address: "127.0.0.1:9", modifier1: 7, origin: .computed)))
        var unknown = RoutingSessionStateMachine()
        #expect(unknown.keyReceived("other", client: nil, resolved: nil, router: &state, events: &events) == .giveUp(.noNode))
        #expect(state.counters.noNode == 1)
    }

    @Test("a retry through the mapper reuses the answer; with fallbacks it goes to them")
    func retryReusesTheAnswer() throws {
        var state = try router()
        var events: [RouterEvent] = []
        var session = RoutingSessionStateMachine()
        let node = NodeAddress(address: "127.0.0.1:9")
        _ = session.keyReceived("app", client: nil, resolved: node, router: &state, events: &events)
        #expect(session.connectFailed(router: &state, events: &events) == .connect(RouteTarget(address: "127.0.0.1:9", origin: .computed)))
        var withFallback = try router(fallbacks: ["127.0.0.1:10"])
        var other = RoutingSessionStateMachine()
        _ = other.keyReceived("app", client: nil, resolved: node, router: &withFallback, events: &events)
        #expect(other.connectFailed(router: &withFallback, events: &events)
            == .connect(RouteTarget(address: "127.0.0.1:10", origin: .fallback(index: 0))))
    }
}
