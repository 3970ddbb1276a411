import RouterWire

/// The fleet's I/O boundary: poll a router's stats and apply an edit to it. FleetClient
/// implements it over the network; `FakeFleetControl` (in FleetModelTesting) implements it in memory for tests.
public protocol FleetControl: Sendable {
    /// Reads the router's current stats document; throws when the router cannot be read.
    func poll(_ router: RouterEndpoint) async throws -> StatsDocument
    /// Applies one edit (never `drainEverywhere`: expand it first) to `router`, or with
    /// `.everyRouterOfProcess` to every router of its process, and reports the outcome; throws
    /// only when the edit could not be attempted at all.
    func apply(_ edit: FleetEdit, to router: RouterEndpoint, reach: EditReach) async throws -> EditOutcome
}

extension FleetControl {
    /// Applies one edit to `router` alone.
    public func apply(_ edit: FleetEdit, to router: RouterEndpoint) async throws -> EditOutcome {
        try await apply(edit, to: router, reach: .chosenRouter)
    }
}
