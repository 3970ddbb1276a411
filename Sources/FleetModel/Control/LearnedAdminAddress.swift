/// An admin address learned from a router's stats rather than configured: the token goes
/// there only once the operator confirms it in the dashboard (FleetClient's `AdminAddressTrust`).
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
}
