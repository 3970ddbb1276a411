import FleetModelTesting
import Testing
import RouterWire
@testable import FleetModel

@Suite struct EditTests {
    @Test func drainEverywhereExpandsToEveryRouterHoldingTheNode() {
        var snapshot = CannedFleets.snapshot()
        // A second fleetrouter that has the node under a different key and as a static node.
        let extra = RouterEndpoint(name: "edge-2", stats: .tcp(host: "127.0.0.1", port: 9494), admin: .tcp(host: "127.0.0.1", port: 9495))
        snapshot.setEndpoints(CannedFleets.endpoints + [extra])
        var document = CannedFleets.fleetrouterHTTP()
        document.staticNodes = [.init(name: "127.0.0.1:3031")]
        document.subscriptions = [.init(key: "other.example.com", hash: 1, nodes: [Docs.node("127.0.0.1:3031")])]
        snapshot.recordSuccess(document, for: extra.id, at: .init(secondsSinceEpoch: CannedFleets.epoch))

        let plan = FleetEdit.expandDrainEverywhere(address: " 127.0.0.1:3031 ", in: snapshot, readOnly: false)
        #expect(plan.map(\.router.name) == ["edge-http", "edge-2", "edge-2"])
        #expect(plan.map(\.edit) == [
            .drain(NodeRef(key: "app.example.com", address: "127.0.0.1:3031")),
            .drain(NodeRef(key: nil, address: "127.0.0.1:3031")),
            .drain(NodeRef(key: "other.example.com", address: "127.0.0.1:3031")),
        ])
        #expect(plan.allSatisfy { $0.availability == .available })
    }

    @Test func drainEverywhereShowsRoutersThatCannot() {
        let snapshot = CannedFleets.snapshot()
        let plan = FleetEdit.expandDrainEverywhere(address: "127.0.0.1:13032", in: snapshot, readOnly: false)
        #expect(plan.count == 1)
        #expect(plan.first?.router == CannedFleets.uwsgiID)
        #expect(plan.first?.availability.isUsable == false)
        #expect(FleetEdit.expandDrainEverywhere(address: "127.0.0.1:3031", in: snapshot, readOnly: true)
            .allSatisfy { $0.availability == .unavailable(reason: "read-only") })
        #expect(FleetEdit.expandDrainEverywhere(address: "10.9.9.9:1", in: snapshot, readOnly: false).isEmpty)
    }

    @Test func validation() {
        #expect(FleetEdit.setWeight(NodeRef(address: "a"), 0).validationError != nil)
        #expect(FleetEdit.drain(NodeRef(address: "  ")).validationError != nil)
        #expect(FleetEdit.setWeight(NodeRef(address: "a"), 1).validationError == nil)
        #expect(FleetEdit.drain(NodeRef(key: "k", address: "a")).description == "drain a (k)")
    }

    @Test func fakeDrainsOnFleetrouterAndTheNextPollShowsIt() async throws {
        let control = CannedFleets.fakeControl()
        let endpoint = CannedFleets.endpoints[0]
        let ref = NodeRef(key: "api.example.com", address: "127.0.0.1:4042")
        #expect(try await control.apply(.drain(ref), to: endpoint) == .applied)
        let document = try await control.poll(endpoint)
        let node = document.subscriptions?.first { $0.key == "api.example.com" }?.nodes.first { $0.name == ref.address }
        #expect(node?.operatorFields.state == .draining)
        #expect(try await control.apply(.undrain(ref), to: endpoint) == .applied)
        #expect(await control.receivedEdits.map(\.edit) == [.drain(ref), .undrain(ref)])
    }

    @Test func fakeRefusesWhatUWSGICannotDoAndMarksTemporaryEdits() async throws {
        let control = CannedFleets.fakeControl()
        let endpoint = CannedFleets.endpoints[1]
        let ref = NodeRef(key: "app.local", address: "127.0.0.1:13031")
        let drain = try await control.apply(.drain(ref), to: endpoint)
        #expect(drain == .refused(reason: RouterCapabilities.Reason.uwsgiDrain))
        #expect(try await control.apply(.setCheap(.on), to: endpoint).isApplied == false)
        let weight = try await control.apply(.setWeight(ref, 5), to: endpoint)
        #expect(weight == .appliedTemporarily(reason: RouterCapabilities.Reason.uwsgiWeightTemporary))
        #expect(try await control.poll(endpoint).subscriptions?.first?.nodes.first?.weight == 5)
        let kick = try await control.apply(.kick(ref), to: endpoint)
        #expect(kick.isApplied)
        #expect(try await control.poll(endpoint).subscriptions?.first?.nodes.map(\.name) == ["127.0.0.1:13032", "127.0.0.1:13033"])
        #expect(try await control.apply(.kick(ref), to: endpoint) == .refused(reason: "no node 127.0.0.1:13031 (app.local) on this router"))
    }

    @Test func fakeUnreachableRouterFailsPollsAndEdits() async throws {
        let control = CannedFleets.fakeControl()
        let endpoint = CannedFleets.endpoints[2]
        await #expect(throws: FakeFleetControl.PollError(message: CannedFleets.unreachableError)) {
            try await control.poll(endpoint)
        }
        let outcome = try await control.apply(.setCheap(.off), to: endpoint)
        guard case .failed = outcome else {
            Issue.record("expected failed, got \(outcome)")
            return
        }
        #expect(await control.pollCounts[endpoint.id] == 1)
    }

    @Test func forcedOutcomeAndCheap() async throws {
        let control = CannedFleets.fakeControl()
        let endpoint = CannedFleets.endpoints[0]
        #expect(try await control.apply(.setCheap(.on), to: endpoint) == .applied)
        let document = try await control.poll(endpoint)
        #expect(document.cheapMode == .on)
        #expect(document.cheap == 1)
        await control.setForcedOutcome(.failed(error: "401 unauthorized"), for: endpoint.id)
        #expect(try await control.apply(.setCheap(.off), to: endpoint) == .failed(error: "401 unauthorized"))
    }
}
