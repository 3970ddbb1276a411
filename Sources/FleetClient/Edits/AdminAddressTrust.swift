import FleetModel
import NIOConcurrencyHelpers

/// Which admin addresses may receive a router's bearer token.
///
/// A router's stats document names its admin API (`admin`), but whoever controls that
/// document (or the network path to the stats server) could name their own listener and
/// collect the token. So the token goes only to an admin address the operator gave: the
/// fleet file's or command line's `admin`, or a learned address the operator confirmed (the
/// dashboard asks). Anything else is called without the token.
public final class AdminAddressTrust: Sendable {
    private let confirmed = NIOLockedValueBox<Set<LearnedAdminAddress>>([])

    /// Creates a policy with nothing confirmed.
    public init() {}

    /// The operator confirmed that `address`, learned from `router`'s stats, is its admin API.
    public func confirm(_ address: StatsAddress, for router: RouterID) {
        _ = confirmed.withLockedValue { $0.insert(LearnedAdminAddress(router: router, address: address)) }
    }

    /// True when `address` was configured for `router` or confirmed for it.
    public func mayReceiveToken(_ address: StatsAddress, router: RouterEndpoint) -> Bool {
        if router.admin == address { return true }
        return confirmed.withLockedValue { $0.contains(LearnedAdminAddress(router: router.id, address: address)) }
    }

    /// The outcome of an edit refused for want of the token that was withheld from `address`.
    public static func withheld(_ address: StatsAddress, router: RouterID) -> EditOutcome {
        .refused(reason: "router \(router): the admin token was not sent to \(address), an address learned from the router's stats; "
            + "confirm it in the dashboard or give the router's admin address in the fleet file or on the command line")
    }
}
