/// The error a router reports to `RoutingPolicy.connectFailed` when a connected node closed or
/// reset the connection before sending a single response byte.
public struct UpstreamClosedBeforeResponse: Error, Sendable, CustomStringConvertible {
    /// Creates the error.
    public init() {}

    /// The words used in logs.
    public var description: String { "node closed the connection before answering" }
}
