import RouterWire

/// One router's part of a fleet-wide edit, with whether that router can take it.
public struct PlannedEdit: Sendable, Hashable {
    /// The router to send the edit to.
    public var router: RouterID
    /// The per-router edit.
    public var edit: FleetEdit
    /// Whether the router accepts it (unusable parts are shown, not sent).
    public var availability: EditAvailability

    /// Creates a planned edit.
    public init(router: RouterID, edit: FleetEdit, availability: EditAvailability) {
        self.router = router
        self.edit = edit
        self.availability = availability
    }
}

extension FleetEdit {
    /// Expands `drainEverywhere(address)` into one `drain` per (router, key) holding a node with
    /// that address, in fleet order then document order; static nodes get a nil key. Routers
    /// without a document yet are skipped (nobody knows whether they have the node). Each part
    /// carries the router's availability so a confirmation can say which routers cannot drain.
    public static func expandDrainEverywhere(
        address: String, in snapshot: FleetSnapshot, readOnly: Bool
    ) -> [PlannedEdit] {
        let wanted = address.trimmingWhitespace()
        var plan: [PlannedEdit] = []
        for entry in snapshot.entries {
            guard let document = entry.latest else { continue }
            let capabilities = entry.capabilities(readOnly: readOnly)
            for (id, _) in document.nodesByID where id.name == wanted {
                let edit = FleetEdit.drain(NodeRef(id))
                plan.append(PlannedEdit(router: entry.id, edit: edit, availability: capabilities.availability(of: edit)))
            }
        }
        return plan
    }
}
