import FleetModel

extension LearnedAdminAddress {
    /// The question the dashboard asks before sending the token there.
    public var question: String {
        "Send the admin token to \(address), learned from \(router)'s stats? It can then make edits there."
    }
}
