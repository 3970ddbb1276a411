/// RouterRuntime: the SwiftNIO side of `fleetrouter`, a uWSGI-compatible router process.
///
/// ## Layout
///
/// - The configuration lives in the `RouterConfig` target: the uWSGI option tables and what
///   they parse into (`RouterConfiguration`, one `RouterSpec` per router), validation, `--help`
///   and the unapplied-option check. It needs no event loop, so it is tested without one.
/// - `Router/`: the integration. `RouterEngine` (one per configured router) wraps RouterCore's
///   `RouterState` behind one lock: it is the data plane's `RoutingPolicy`, the subscription
///   server's `SubscriptionSink`, the stats server's `StatsSource`, and applies admin edits.
///   `FleetAdminHandler` applies edits across engines and persists them with `StateFile`.
///   `FleetRouterProcess` binds every socket (`FleetRouterProcess+Binding`) and runs them as one
///   `ServiceGroup`; `FleetRouterCommand` (in `CommandLine/`) is what `fleetrouter` runs.
/// - `Drivers/`: one driver per router kind (`RouterKindDriver`): `HTTP/`, `FastRouter/` and
///   `RawRouter/` serve their kind (its listener pipeline, the services it binds, its routing
///   policy); `SSLRouter/`, `ForkptyRouter/` and `Tuntap/` refuse theirs by name until they are
///   served, as `HTTPS/` refuses the HTTP router's TLS listeners. `RouterKind.driver` is the one switch over the kind; a new kind is a new folder
///   there, a row in that switch and its rules in RouterConfig's `Kinds/`.
/// - `DataPlane/`: the transport seam (`Transport/`: `DataPlaneTransport`, `ListenerControl`,
///   `DataPlaneWorker`, `ClientProtocol`), the I/O-free connection machines (`Machines/`), node
///   addresses and their resolution off the data plane (`Routing/`) and the recent-session table
///   (`Sessions/`); then the NIO transport: `NIOTransport` and `ClientListener` (`Listeners/`),
///   the HTTP router's handler (`HTTP/`), the fast and raw routers' relay (`Raw/`) and upstream
///   channels (`Upstream/`). Another transport drives the same machines behind the same seam.
/// - `Subscriptions/`, `Stats/`, `Admin/`, `State/`: the control plane. The subscription server
///   (UDP or unix datagrams, with the trust checks in `Subscriptions/Trust/`), the stats server
///   (raw or `--stats-http`), the admin API (HTTP/1.1 + JSON, bearer token or peer credentials)
///   and the state file (atomic persistence of operator edits).
/// - `Lifecycle/`: `ControlPlane`, the control-plane event loop group and the `ServiceGroup`
///   with uWSGI-like SIGTERM/SIGINT graceful shutdown.
/// - `Support/`: addresses (`SocketAddressSpec` over RouterWire's `UwsgiAddress`), POSIX socket
///   helpers for exact-length abstract names, unix socket files, connection caps and log limits.
///
/// ## Threading
///
/// Client listeners accept on the router's transport (`--xxx-workers` workers: NIO loops). Stats, admin and
/// subscription servers bind on `ControlPlane.makeEventLoopGroup()`, never on the routing
/// group, so their clients cannot delay routing. The engines' seams are called from Swift
/// concurrency tasks (stats, admin), on the subscription listener's loop (which must not
/// block) and on the routing loops (routing decisions).
public enum RouterRuntime {}
