/// RouterRuntime: the SwiftNIO side of `fleetrouter`.
///
/// This part holds the control plane: `SubscriptionServer` (UDP / unix datagram),
/// `StatsServer` (raw or `--stats-http`), `AdminServer` (HTTP/1.1 + JSON, bearer token),
/// `StateFile` (atomic persistence) and `ControlPlane` (event loop group, `ServiceGroup` with
/// SIGTERM/SIGINT graceful shutdown). Each server binds first (`bind(...)`, so startup errors
/// name the address) and then runs as a `Service`.
///
/// ## Seams the integrator implements (the only places RouterWire / RouterCore are called)
///
/// - `SubscriptionSink.receive(_:)`: decode `datagram.bytes` with RouterWire's subscription
///   packet decoder (throws `WireError`), apply it to RouterCore's subscription table.
/// - `StatsSource.encodedStats()`: snapshot RouterCore, encode with RouterWire's stats
///   document encoder, return the bytes.
/// - `AdminHandler.handle(_:)`: route `method` + `path`, decode `body` with RouterWire's admin
///   request types, apply to RouterCore's operator state, save it with `StateFile`, encode the
///   reply with RouterWire's admin response types; unknown routes answer 404.
/// - `AdminHandler.errorBody(status:message:allocator:)` (optional): the JSON of the errors
///   the server produces itself, if RouterWire defines an admin error type.
///
/// ## The integration (`Router/`)
///
/// `RouterEngine` (one per configured router) implements all three seams plus the data
/// plane's `RoutingPolicy` over RouterCore's `RouterState`, held behind one lock with the
/// routing sessions the data plane leases. `FleetAdminHandler` applies admin edits across the
/// engines and persists their `OperatorState`s. `FleetRouterProcess` binds every socket and
/// runs them as one `ServiceGroup`; `FleetRouterCommand` (in `CommandLine/`) is what the
/// `fleetrouter` executable runs.
///
/// ## Threading
///
/// Bind all three servers on `ControlPlane.makeEventLoopGroup()`, never on the routing
/// workers' group. The seams are called from Swift concurrency tasks (stats, admin) or on the
/// subscription listener's loop (`SubscriptionSink`, which must not block).
public enum RouterRuntime {}
