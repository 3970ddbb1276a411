/// The router stats document: uWSGI's per-router stats JSON plus
/// Fleettop's added keys. One schema, encoded by fleetrouter and decoded by fleettop, for
/// fleetrouter and real uWSGI routers alike.
///
/// Every uWSGI number is an unsigned integer; keys that only some routers or uWSGI builds emit
/// are optionals. Fleettop's additions never change the meaning of a uWSGI key.
public struct StatsDocument: Sendable, Hashable {
    /// uWSGI version string (`"2.0.21-debian"`, or fleetrouter's own version).
    public var version: String
    /// Pid of the router process that answered.
    public var pid: UInt64
    /// Uid of that process.
    public var uid: UInt64
    /// Gid of that process.
    public var gid: UInt64
    /// Working directory of that process.
    public var cwd: String
    /// Client sessions open in that process (absent for tuntap).
    public var activeSessions: UInt64?
    /// The listener list and its JSON key: the router's short name (`http`, `fastrouter`,
    /// `rawrouter`, `sslrouter`, `forkptyrouter`). Holds listeners and subscription servers as
    /// configured. Absent for tuntap.
    public var listeners: ListenerList?
    /// Static (`-to`) nodes; present only when configured.
    public var staticNodes: [StaticNode]?
    /// Subscription slots; present only when a subscription server is configured.
    public var subscriptions: [Slot]?
    /// Tuntap peers (tuntap routers only).
    public var peers: [TuntapPeer]?
    /// 1 while the router is in cheap mode (absent for tuntap).
    public var cheap: UInt64?

    // Fleettop additions.
    /// Router kind as fleetrouter names it (`http`, `https`, `fastrouter`, `rawrouter`, …).
    public var kind: String?
    /// Admin API address when enabled.
    public var admin: String?
    /// The name the admin API's `?router=` selects this router by, so an edit planned from
    /// this document reaches this router and none of its neighbours in the same process.
    public var adminRouter: String?
    /// Cheap mode setting: `auto`, `on` or `off` (while `cheap` stays the 0/1 state).
    public var cheapMode: CheapMode?
    /// Live sessions, bounded by the router.
    public var sessions: [Session]?
    /// Clients closed at accept because a listener of the router (data plane or stats) had
    /// its connection cap open (`refused_connections`).
    public var refusedConnections: UInt64?
    /// Subscription datagrams dropped by the trust checks or the table's limits, by reason
    /// (`subscription_drops`: `source`, `bad_signature`, `key_limit`, …); nil when the router
    /// has no subscription server.
    public var subscriptionDrops: [String: UInt64]?
    /// A tuntap router's firewall chains and routes, as configured (`firewall`).
    public var tuntapFirewall: TuntapFirewall?
    /// A TLS router's certificates, expiry dates and handshake failures (`tls`).
    public var tls: TLSState?

    /// Creates a document.
    public init(
        version: String, pid: UInt64, uid: UInt64 = 0, gid: UInt64 = 0, cwd: String,
        activeSessions: UInt64? = 0, listeners: ListenerList? = nil,
        staticNodes: [StaticNode]? = nil, subscriptions: [Slot]? = nil,
        peers: [TuntapPeer]? = nil, cheap: UInt64? = 0,
        kind: String? = nil, admin: String? = nil, adminRouter: String? = nil,
        cheapMode: CheapMode? = nil, sessions: [Session]? = nil, refusedConnections: UInt64? = nil,
        subscriptionDrops: [String: UInt64]? = nil
    ) {
        self.version = version
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.cwd = cwd
        self.activeSessions = activeSessions
        self.listeners = listeners
        self.staticNodes = staticNodes
        self.subscriptions = subscriptions
        self.peers = peers
        self.cheap = cheap
        self.kind = kind
        self.admin = admin
        self.adminRouter = adminRouter
        self.cheapMode = cheapMode
        self.sessions = sessions
        self.refusedConnections = refusedConnections
        self.subscriptionDrops = subscriptionDrops
    }
}

extension StatsDocument {
    /// The router's socket list and the name it is published under.
    public struct ListenerList: Sendable, Hashable {
        /// JSON key: the router's short name (`http`, `fastrouter`, `rawrouter`, `sslrouter`, `forkptyrouter`).
        public var routerName: String
        /// Listener and subscription-server addresses as configured.
        public var addresses: [String]

        /// Creates a listener list.
        public init(routerName: String, addresses: [String]) {
            self.routerName = routerName
            self.addresses = addresses
        }
    }

    /// Cheap mode setting chosen by the operator (Fleettop addition).
    public enum CheapMode: String, Sendable, Hashable, Codable, CaseIterable {
        /// uWSGI's behaviour: cheap while no node exists (when configured cheap).
        case auto
        /// Forced cheap: listeners stop accepting.
        case on
        /// Never cheap.
        case off
    }

    /// Operator-visible node state (Fleettop addition).
    public enum NodeState: String, Sendable, Hashable, Codable, CaseIterable {
        /// Alive and taking new sessions.
        case ready
        /// Drained by the operator with sessions still in flight.
        case draining
        /// Drained by the operator with no session in flight.
        case drained
        /// Death-marked (failure, unsubscribe or expiry).
        case dead
    }

    /// Fleettop's per-node operator additions, shared by static and subscription nodes.
    public struct OperatorFields: Sendable, Hashable {
        /// Node state as the operator sees it.
        public var state: NodeState?
        /// 1 when the operator drained the node.
        public var drain: UInt64?
        /// The weight the operator set, overriding the announced one.
        public var operatorWeight: UInt64?

        /// Creates operator fields.
        public init(state: NodeState? = nil, drain: UInt64? = nil, operatorWeight: UInt64? = nil) {
            self.state = state
            self.drain = drain
            self.operatorWeight = operatorWeight
        }
    }

    /// A static (`--xxx-to`) node.
    public struct StaticNode: Sendable, Hashable {
        /// The configured address.
        public var name: String
        /// Successful connects.
        public var hits: UInt64
        /// 0 while alive, else the epoch second the node was marked dead.
        public var grace: UInt64
        /// Fleettop additions (absent from uWSGI output).
        public var operatorFields: OperatorFields

        /// Creates a static node entry.
        public init(name: String, hits: UInt64 = 0, grace: UInt64 = 0, operatorFields: OperatorFields = .init()) {
            self.name = name
            self.hits = hits
            self.grace = grace
            self.operatorFields = operatorFields
        }
    }

    /// A subscription slot (one key).
    public struct Slot: Sendable, Hashable {
        /// The subscription key.
        public var key: String
        /// uWSGI's bucket index: djb33x(key) mod 65535.
        public var hash: UInt64
        /// Node lookups for this key, retries included.
        public var hits: UInt64
        /// 1 when an SNI context exists (SSL builds only).
        public var sniEnabled: UInt64?
        /// Slot algorithm (uWSGI master only).
        public var algo: String?
        /// The slot's nodes in list order.
        public var nodes: [Node]

        /// Creates a slot.
        public init(key: String, hash: UInt64, hits: UInt64 = 0, sniEnabled: UInt64? = 0, algo: String? = nil, nodes: [Node]) {
            self.key = key
            self.hash = hash
            self.hits = hits
            self.sniEnabled = sniEnabled
            self.algo = algo
            self.nodes = nodes
        }
    }

    /// A subscribed node.
    public struct Node: Sendable, Hashable {
        /// Node address (its identity within the slot).
        public var name: String
        /// Vassal name (uWSGI master only).
        public var vassal: String?
        /// modifier1 from the node's first packet.
        public var modifier1: UInt64
        /// modifier2 from the node's first packet.
        public var modifier2: UInt64
        /// Epoch second of the last subscribe or refresh.
        public var lastCheck: UInt64
        /// Sender pid (credentials), else 0.
        public var pid: UInt64
        /// Sender uid (credentials), else 0.
        public var uid: UInt64
        /// Sender gid (credentials), else 0.
        public var gid: UInt64
        /// Successful connects (cumulative).
        public var requests: UInt64
        /// Connects since the last refresh.
        public var lastRequests: UInt64
        /// Bytes read from the node.
        public var tx: UInt64
        /// Bytes written to the node.
        public var rx: UInt64
        /// Announced cores.
        public var cores: UInt64
        /// Announced load.
        public var load: UInt64
        /// Current weight (≥ 1).
        public var weight: UInt64
        /// Backup level (uWSGI master only).
        public var backup: UInt64?
        /// Node protocol byte as a string (uWSGI master only).
        public var proto: String?
        /// Remaining WRR credit in the current round.
        public var wrr: UInt64
        /// Sessions currently holding the node.
        public var ref: UInt64
        /// Times the node was marked failed.
        public var failcnt: UInt64
        /// 1 when excluded from selection and waiting for removal.
        public var deathMark: UInt64
        /// Fleettop additions (absent from uWSGI output).
        public var operatorFields: OperatorFields

        /// Creates a node entry.
        public init(
            name: String, vassal: String? = nil, modifier1: UInt64 = 0, modifier2: UInt64 = 0,
            lastCheck: UInt64 = 0, pid: UInt64 = 0, uid: UInt64 = 0, gid: UInt64 = 0,
            requests: UInt64 = 0, lastRequests: UInt64 = 0, tx: UInt64 = 0, rx: UInt64 = 0,
            cores: UInt64 = 0, load: UInt64 = 0, weight: UInt64 = 1, backup: UInt64? = nil,
            proto: String? = nil, wrr: UInt64 = 0, ref: UInt64 = 0, failcnt: UInt64 = 0,
            deathMark: UInt64 = 0, operatorFields: OperatorFields = .init()
        ) {
            self.name = name
            self.vassal = vassal
            self.modifier1 = modifier1
            self.modifier2 = modifier2
            self.lastCheck = lastCheck
            self.pid = pid
            self.uid = uid
            self.gid = gid
            self.requests = requests
            self.lastRequests = lastRequests
            self.tx = tx
            self.rx = rx
            self.cores = cores
            self.load = load
            self.weight = weight
            self.backup = backup
            self.proto = proto
            self.wrr = wrr
            self.ref = ref
            self.failcnt = failcnt
            self.deathMark = deathMark
            self.operatorFields = operatorFields
        }
    }

    /// A tuntap router peer.
    public struct TuntapPeer: Sendable, Hashable {
        /// Dotted IPv4 address.
        public var addr: String
        /// The raw 32-bit address in network byte order, printed as a host integer.
        public var addr32: UInt64
        /// Peer uid.
        public var uid: UInt64
        /// Peer gid.
        public var gid: UInt64
        /// Peer pid.
        public var pid: UInt64
        /// Bytes written to the peer, headers included.
        public var tx: UInt64
        /// Bytes read from the peer.
        public var rx: UInt64
        /// Packets dropped because the peer's buffer was full.
        public var dropped: UInt64
        /// Packets written to the peer (Fleettop addition, `tx_packets`).
        public var txPackets: UInt64?
        /// Packets read from the peer (Fleettop addition, `rx_packets`).
        public var rxPackets: UInt64?

        /// Creates a peer entry.
        public init(addr: String, addr32: UInt64, uid: UInt64 = 0, gid: UInt64 = 0, pid: UInt64 = 0, tx: UInt64 = 0, rx: UInt64 = 0, dropped: UInt64 = 0) {
            self.addr = addr
            self.addr32 = addr32
            self.uid = uid
            self.gid = gid
            self.pid = pid
            self.tx = tx
            self.rx = rx
            self.dropped = dropped
        }
    }

    /// A tuntap router's rules as configured, one line each (Fleettop addition).
    public struct TuntapFirewall: Sendable, Hashable {
        /// `--tuntap-router-firewall-in` rules, in order (`in`).
        public var inbound: [String]
        /// `--tuntap-router-firewall-out` rules, in order (`out`).
        public var outbound: [String]
        /// `--tuntap-router-route` rules, in order (`routes`).
        public var routes: [String]

        /// Creates the rule lists.
        public init(inbound: [String] = [], outbound: [String] = [], routes: [String] = []) {
            self.inbound = inbound
            self.outbound = outbound
            self.routes = routes
        }
    }

    /// A live client session (Fleettop addition).
    public struct Session: Sendable, Hashable {
        /// Client address.
        public var client: String
        /// Routing key.
        public var key: String
        /// Node address, empty before one is chosen.
        public var node: String
        /// Seconds since the session started.
        public var age: UInt64
        /// Bytes sent to the client.
        public var tx: UInt64
        /// Bytes received from the client.
        public var rx: UInt64
        /// Session phase (`headers`, `connecting`, `relaying`, `raw`, `closing`; `pty` on a forkpty router).
        public var state: String
        /// A forkpty session's child pid (forkpty routers only).
        public var pid: UInt64?
        /// A forkpty session's command (forkpty routers only).
        public var command: String?

        /// Creates a session entry.
        public init(client: String, key: String, node: String, age: UInt64, tx: UInt64, rx: UInt64, state: String,
                    pid: UInt64? = nil, command: String? = nil) {
            self.pid = pid
            self.command = command
            self.client = client
            self.key = key
            self.node = node
            self.age = age
            self.tx = tx
            self.rx = rx
            self.state = state
        }
    }
}
