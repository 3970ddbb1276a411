import DataPlaneTesting
import RouterWire
import Testing

extension Interop {
    /// Edits through fleetrouter's admin API need the bearer token from `--admin-token-file`.
    @Suite("fleetrouter admin API: authorisation", .requiresFleetrouter, .everyTransport)
    struct AdminAuthorizationTests {
        @Test("admin edits without a token get 401, with a wrong token 403, and change nothing; the right token works")
        func refusedEditsChangeNothing() async throws {
            try await InteropFleet.run { fleet in
                let nodes = try await fleet.startHTTPFleet([("node1", nil), ("node2", nil)])
                let admin = try fleet.admin()
                let stats = try fleet.stats()
                let ref = NodeRef(key: "app.local", node: nodes[0].address)
                let before = try await offload { try stats.read() }.document

                let edits: [AdminRequest] = [.drain(ref), .setWeight(ref, weight: 9), .kick(ref), .setCheap(.on)]
                for edit in edits {
                    let (anonymous, impostor) = try await offload {
                        (try admin.send(edit, as: .none), try admin.send(edit, as: .bearer("not-the-\(admin.token)")))
                    }
                    #expect(anonymous.status == 401, "\(edit.operation) without a token: \(anonymous.statusLine)")
                    #expect(impostor.status == 403, "\(edit.operation) with a wrong token: \(impostor.statusLine)")
                }

                // Read at once, before any re-announce could restore a wrongly kicked node.
                let after = try await offload { try stats.read() }.document
                #expect(Self.operatorView(after) == Self.operatorView(before))
                let endpoint = try fleet.listener()
                let served = try await offload { try (0..<4).map { _ in try HTTPClient.get(endpoint) } }
                #expect(served.map(\.status) == [200, 200, 200, 200])
                #expect(Set(served.compactMap(\.node)) == ["node1", "node2"])

                // The same edit with the right token is applied: the refusals above were about the token.
                try await offload { try admin.apply(.drain(ref)) }
                try await stats.wait("node1 drained by an authorised edit") { $0.node(ref.node)?.operatorFields.drain == 1 }
            }
        }

        /// What an edit could change: the nodes with their weights and operator fields, and cheap mode.
        private static func operatorView(_ document: StatsDocument) -> [String] {
            let nodes = (document.subscriptions ?? []).flatMap { slot in
                slot.nodes.map { node in
                    let fields = node.operatorFields
                    return "\(slot.key) \(node.name) weight=\(node.weight) drain=\(fields.drain ?? 0) operator_weight=\(fields.operatorWeight.map(String.init) ?? "-") state=\(fields.state?.rawValue ?? "-") death_mark=\(node.deathMark)"
                }
            }
            return nodes.sorted() + ["cheap=\(document.cheap ?? 0) cheap_mode=\(document.cheapMode?.rawValue ?? "-")"]
        }
    }
}
