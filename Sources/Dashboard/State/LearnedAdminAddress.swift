import FleetModel

/// An admin address learned from a router's stats rather than configured: the token goes
/// there only once the operator confirms it in the dashboard.
public struct LearnedAdminAddress: Sendable, Hashable {
    /// The router whose stats named the address.
    public var router: RouterID
    /// The admin address.
    public var address: StatsAddress

    /// Creates a pair.
    public init(router: RouterID, address: StatsAddress) {
        self.router = router
        self.address = address
    }

    /// The question the dashboard asks before sending the token there.
    public var question: String {
        "Send the admin token to \(address), learned from \(router)'s stats? It can then make edits there."
    }
}
