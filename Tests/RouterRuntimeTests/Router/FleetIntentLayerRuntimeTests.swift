import FleetRegistry
import RouterCore
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("Fleet intents as a router's layer")
struct FleetIntentLayerRuntimeTests {
    @Test("drain, weight and cheap become address-wide overrides and the cheap mode")
    func layer() throws {
        let intents = [
            try FleetIntent.drain(node: "a:1", author: "x", time: 1, reason: "r"),
            try FleetIntent.weight(node: "b:1", weight: 4, author: "x", time: 1, reason: "r"),
            try FleetIntent.cheap("on", author: "x", time: 1, reason: "r"),
        ]
        let state = FleetIntentLayer.layer(intents, router: "r1")
        #expect(state.overrides[OperatorTarget(key: nil, address: "a:1")] == NodeOverride(drain: true, weight: nil))
        #expect(state.overrides[OperatorTarget(key: nil, address: "b:1")] == NodeOverride(drain: false, weight: 4))
        #expect(state.cheapMode == .on)
    }

    @Test("an intent naming this router wins over a fleet-wide one, whatever their times")
    func precedence() throws {
        let named = try FleetIntent.cheap("off", routers: ["r1"], author: "x", time: 1, reason: "r")
        let wide = try FleetIntent.cheap("on", author: "y", time: 2, reason: "r")
        #expect(FleetIntentLayer.layer([named, wide], router: "r1").cheapMode == .off)
        #expect(FleetIntentLayer.layer([named, wide], router: "r2").cheapMode == .on)
        #expect(FleetIntentLayer.layer([named], router: nil).cheapMode == .auto)
    }

    @Test("an intent whose fields are invalid is ignored")
    func invalidIgnored() throws {
        var intent = try FleetIntent.weight(node: "b:1", weight: 4, author: "x", time: 1, reason: "r")
        intent.weight = 0
        #expect(FleetIntentLayer.layer([intent], router: "r1") == OperatorState())
    }
}
