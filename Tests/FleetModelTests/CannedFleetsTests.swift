import FleetModelTesting
import Foundation
import Testing
import RouterWire
@testable import FleetModel

@Suite struct CannedFleetsTests {
    /// The capture the uWSGI canned document transcribes, read with Foundation's JSON parser
    /// (the capture is valid JSON once re-indented) so a transcription slip fails here.
    @Test func uwsgiDocumentMatchesTheReferenceCapture() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("RouterWireTests/Samples/stats/02-after-requests.http-router.json")
        let data = try Data(contentsOf: url)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let document = CannedFleets.uwsgiHTTPAfterRequests()

        #expect(json["version"] as? String == document.version)
        #expect((json["pid"] as? NSNumber)?.uint64Value == document.pid)
        #expect(json["cwd"] as? String == document.cwd)
        #expect(json["http"] as? [String] == document.listeners?.addresses)
        #expect((json["cheap"] as? NSNumber)?.uint64Value == document.cheap)
        let slots = try #require(json["subscriptions"] as? [[String: Any]])
        let slot = try #require(document.subscriptions?.first)
        #expect(slots.count == document.subscriptions?.count)
        #expect(slots[0]["key"] as? String == slot.key)
        #expect((slots[0]["hash"] as? NSNumber)?.uint64Value == slot.hash)
        #expect((slots[0]["hits"] as? NSNumber)?.uint64Value == slot.hits)
        let nodes = try #require(slots[0]["nodes"] as? [[String: Any]])
        #expect(nodes.count == slot.nodes.count)
        for (raw, node) in zip(nodes, slot.nodes) {
            func number(_ key: String) -> UInt64? { (raw[key] as? NSNumber)?.uint64Value }
            #expect(raw["name"] as? String == node.name)
            #expect(number("last_check") == node.lastCheck)
            #expect(number("requests") == node.requests)
            #expect(number("last_requests") == node.lastRequests)
            #expect(number("tx") == node.tx)
            #expect(number("rx") == node.rx)
            #expect(number("cores") == node.cores)
            #expect(number("weight") == node.weight)
            #expect(number("ref") == node.ref)
            #expect(number("failcnt") == node.failcnt)
            #expect(number("death_mark") == node.deathMark)
        }
    }

    @Test func fleetrouterDocumentHasTwoKeysOfThreeNodesOneDraining() {
        let document = CannedFleets.fleetrouterHTTP()
        #expect(RouterFlavor(document: document) == .fleetrouter)
        #expect(document.subscriptions?.map(\.nodes.count) == [3, 3])
        let states = document.subscriptions?.flatMap(\.nodes).compactMap(\.operatorFields.state)
        #expect(states?.filter { $0 == .draining }.count == 1)
    }

    @Test func snapshotStatusesAtTheCannedTime() {
        let snapshot = CannedFleets.snapshot()
        #expect(snapshot[CannedFleets.fleetrouterID]?.status.isOK == true)
        #expect(snapshot[CannedFleets.uwsgiID]?.status.isOK == true)
        #expect(snapshot[CannedFleets.unreachableID]?.status == .unreachable(error: CannedFleets.unreachableError))
    }
}
