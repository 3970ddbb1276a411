import RouterWire

/// One router's part of a fleet-wide edit, with whether that router can take it.
public struct PlannedEdit: Sendable, Hashable {
    /// The router to send the edit to.
    public var router: RouterID
    /// The per-router edit.
    public var edit: FleetEdit
    /// Whether the router accepts it (unusable parts are shown, not sent).
    public var availability: EditAvailability
    /// The chosen router alone, or (fleet-wide actions only) every router of its process.
    public var reach: EditReach

    /// Creates a planned edit.
    public init(router: RouterID, edit: FleetEdit, availability: EditAvailability, reach: EditReach = .chosenRouter) {
        self.router = router
        self.edit = edit
        self.availability = availability
        self.reach = reach
    }
}

extension FleetEdit {
    /// Expands `drainEverywhere(address)` into one `drain` per (router, key) holding a node with
    /// that address, in fleet order then document order; static nodes get a nil key. Routers
    /// without a document yet are skipped (nobody knows whether they have the node). Each part
    /// carries the router's availability so a confirmation can say which routers cannot drain.
    /// A fleetrouter part reaches every router of its process (`?router=*`): a fleet-wide drain
    /// also holds on that process's routers nobody is watching.
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
                let reach: EditReach = capabilities.flavor == .fleetrouter ? .everyRouterOfProcess : .chosenRouter
                plan.append(PlannedEdit(router: entry.id, edit: edit, availability: capabilities.availability(of: edit), reach: reach))
            }
        }
        return plan
    }
}
