/// The parts of a stats document that describe the process rather than the policy state.
public struct StatsIdentity: Sendable, Hashable {
    /// Version string (`version`).
    public var version: String
    /// Router process pid.
    public var pid: UInt64
    /// Router process uid.
    public var uid: UInt64
    /// Router process gid.
    public var gid: UInt64
    /// Working directory.
    public var cwd: String
    /// Short router name the listener list is published under (`http`, `fastrouter`, …).
    public var routerName: String
    /// Listener and subscription-server addresses as configured.
    public var listeners: [String]
    /// Fleettop `kind` (nil to omit).
    public var kind: String?
    /// Fleettop `admin` address (nil when the admin API is off).
    public var admin: String?
    /// Fleettop `admin_router`: the router's name in the admin API (nil to omit).
    public var adminRouter: String?

    /// Creates an identity.
    public init(
        version: String, pid: UInt64, uid: UInt64 = 0, gid: UInt64 = 0, cwd: String,
        routerName: String, listeners: [String], kind: String? = nil, admin: String? = nil,
        adminRouter: String? = nil
    ) {
        self.version = version
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.cwd = cwd
        self.routerName = routerName
        self.listeners = listeners
        self.kind = kind
        self.admin = admin
        self.adminRouter = adminRouter
    }
}
