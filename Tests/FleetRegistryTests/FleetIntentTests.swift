import Foundation
import Testing
@testable import FleetRegistry

@Suite("Fleet intents (no I/O)")
struct FleetIntentTests {
    @Test("Names follow the target, so edits of one target meet on one key")
    func names() throws {
        let a = try FleetIntent.drain(node: "127.0.0.1:3031", author: "alice@h", time: 1, reason: "deploy")
        let b = try FleetIntent.drain(node: "127.0.0.1:3031", author: "bob@h", time: 2, reason: "other")
        #expect(a.name == b.name)
        #expect(a.name == "drain_127.0.0.1:3031")
        #expect(try FleetIntent.drain(node: "/run/app.sock", author: "a", time: 1, reason: "r").name == "drain_%2Frun%2Fapp.sock")
        #expect(try FleetIntent.cheap("on", routers: ["r2", "r1"], author: "a", time: 1, reason: "r").name == "cheap_all@r1+r2")
        #expect(try FleetIntent.weight(node: "n:1", weight: 3, author: "a", time: 1, reason: "r").name == "weight_n:1")
        #expect(FleetIntent.isValidName(a.name))
        #expect(!FleetIntent.isValidName("a/b"))
    }

    @Test("Invalid intents are refused with what is wrong", arguments: [
        ("drain", "", "node address"),
        ("weight0", "n:1", "weight of at least 1"),
        ("cheap", "maybe", "on or off"),
        ("noreason", "n:1", "a reason is needed"),
    ])
    func invalid(kind: String, value: String, problem: String) {
        do {
            switch kind {
            case "drain": _ = try FleetIntent.drain(node: value, author: "a", time: 1, reason: "r")
            case "weight0": _ = try FleetIntent.weight(node: value, weight: 0, author: "a", time: 1, reason: "r")
            case "cheap": _ = try FleetIntent.cheap(value, author: "a", time: 1, reason: "r")
            default: _ = try FleetIntent.drain(node: value, author: "a", time: 1, reason: "")
            }
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains(problem), "\(error)")
        }
    }

    @Test("Scope: fleet-wide reaches every router; named ones only those")
    func scope() throws {
        let wide = try FleetIntent.cheap("off", author: "a", time: 1, reason: "r")
        let named = try FleetIntent.cheap("on", routers: ["r1"], author: "a", time: 1, reason: "r")
        #expect(wide.applies(to: "r9") && wide.applies(to: nil))
        #expect(named.applies(to: "r1") && !named.applies(to: "r2") && !named.applies(to: nil))
    }

    @Test("The JSON round-trips and a record under another name is rejected by the membership")
    func json() throws {
        let intent = try FleetIntent.drain(node: "n:1", author: "a@h", time: 1_800_000_000.5, reason: "maintenance")
        #expect(try JSONDecoder().decode(FleetIntent.self, from: intent.encoded()) == intent)
        var membership = RegistryMembership<FleetIntent>(prefix: "/f/intent/")
        _ = membership.reset([EtcdKeyValue(key: Data("/f/intent/drain_other".utf8), value: intent.encoded(), modRevision: 2)], revision: 2)
        #expect(membership.records.isEmpty)
        #expect(membership.rejected == 1)
    }
}
