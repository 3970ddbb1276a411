import RouterCore

/// A fleetrouter process's whole configuration: instance-wide settings and one `RouterSpec`
/// per router kind that was configured, in order of first mention.
///
/// Built by `parse(arguments:fileReader:)` from uWSGI-style options (command line, `--ini`,
/// `--yaml`); every value starts at uWSGI's default.
///
/// How it is built: `OptionTable` is the one list of options (names, router, arity, apply
/// closure); `ConfigurationParser` reads argv and files in order and applies each option;
/// `ConfigurationValidator` then checks the whole. Where fleetrouter departs from uWSGI, on
/// purpose: unknown keys are errors (with a suggestion); boolean words outside
/// true/false/yes/no/on/off/1/0 are errors; `--http-modifier1`/`2` are independent (uWSGI
/// zeroes modifier2 when modifier1 comes after it; a notice says so); an optional value on
/// the command line is the next argument unless it starts with `-`.
public struct RouterConfiguration: Sendable, Equatable {
    /// `--subscription-tolerance`: seconds without an announce before a node is dead.
    public var subscriptionTolerance = 17
    /// `--subscription-algo`.
    public var subscriptionAlgorithm: SubscriptionAlgorithm = .wrr
    /// `--subscription-dotsplit`.
    public var subscriptionDotsplit = false
    /// `--subscription-mountpoints N`: the key is the host plus the first N path segments
    /// (0: the host alone).
    public var subscriptionMountpoints = 0
    /// `--subscriptions-sign-check DIGEST:DIR`.
    public var signCheck: SignCheck?
    /// `--subscriptions-sign-check-tolerance`, seconds.
    public var signCheckTolerance = 86400
    /// `--subscriptions-sign-skip-uid`, in order.
    public var signSkipUIDs: [Int] = []
    /// `--subscriptions-credentials-check` directories, in order.
    public var credentialsCheckDirectories: [String] = []
    /// `--subscriptions-use-credentials`.
    public var useCredentials = false
    /// `--subscription-allow CIDR`: the networks UDP subscription datagrams may come from.
    public var subscriptionAllow: [AddressRange] = []
    /// `--subscription-allow-node`: what node addresses a subscription may name.
    public var subscriptionAllowNode: [NodeAddressRule] = []
    /// `--subscription-max-keys`.
    public var subscriptionMaxKeys = SubscriptionLimits.defaultMaximumKeys
    /// `--subscription-max-nodes-per-key`.
    public var subscriptionMaxNodesPerKey = SubscriptionLimits.defaultMaximumNodesPerKey
    /// `--subscription-socket-mode`: the mode of unix subscription sockets.
    public var subscriptionSocketMode: UInt32 = 0o660
    /// `--admin-public-reads`: `GET /v1/state` over TCP needs no token.
    public var adminPublicReads = false
    /// `--stats-http`: router stats servers answer over HTTP.
    public var statsHTTP = false
    /// `--socket-timeout`: seconds, used for stats writes and the stats-http read.
    public var socketTimeout = 4
    /// `--enable-proxy-protocol`: PROXY v1 on every HTTP listener.
    public var enableProxyProtocol = false
    /// `--no-defer-accept`.
    public var noDeferAccept = false
    /// `--shared-socket` / `--undeferred-shared-socket`: the addresses a router listener `=N`
    /// names, in order; `ConfigurationParser` puts them in place of the `=N` listeners.
    public var sharedSockets: [ListenAddress] = []
    /// `--ssl-verbose`.
    public var sslVerbose = false
    /// `--ssl-sessions-timeout`, seconds.
    public var sslSessionsTimeout = 300
    /// `--sni "NAME CRT,KEY[,CIPHERS[,CA]]"` entries, verbatim.
    public var sni: [String] = []
    /// `--sni-regexp "REGEXP CRT,KEY[,CIPHERS[,CA]]"` entries, verbatim, in order.
    public var sniRegexp: [String] = []
    /// `--sni-dir`.
    public var sniDirectory: String?
    /// `--sni-dir-ciphers`.
    public var sniDirectoryCiphers: String?
    /// `--ssl-tmp-dir`: subscriptions may carry PEM text in `sni_crt`/`sni_key`/`sni_ca`
    /// (loaded from memory; nothing is written there).
    public var sslTemporaryDirectory: String?
    /// `--uid`: process-wide privilege drop after binding, as written.
    public var uid: String?
    /// `--gid`: process-wide privilege drop after binding, as written.
    public var gid: String?
    /// `--admin ADDR`: the admin API listener (Fleettop's own option).
    public var admin: ListenAddress?
    /// `--admin-token-file FILE`: bearer token for admin edits (Fleettop's own option).
    public var adminTokenFile: String?
    /// `--state-file FILE`: persisted operator state (Fleettop's own option).
    public var stateFile: String?
    /// `--state-file-discard-corrupt`: rename an unreadable state file aside and start empty.
    public var stateFileDiscardCorrupt = false
    /// `--admin-max-connections`: admin API connections open at once.
    public var adminMaxConnections = ConnectionDefaults.admin
    /// `--admin-request-timeout`: seconds for one admin request, head to answer.
    public var adminRequestTimeout = 10
    /// `--admin-idle-timeout`: seconds an admin connection may wait between requests.
    public var adminIdleTimeout = 60
    /// `--stats-max-connections`: connections open at once on each stats server.
    public var statsMaxConnections = ConnectionDefaults.stats
    /// `--fleet-registry`: the etcd registry the router registers in (checked at start).
    public var fleetRegistry: String?
    /// `--fleet-registry-name`: the router's name there (default: host and stats address).
    public var fleetRegistryName: String?
    /// `--fleet-registry-ttl`: seconds the registration outlives the router's last refresh.
    public var fleetRegistryTTL = 10
    /// `--fleet-registry-user`: the etcd user to authenticate as (a cluster with auth on).
    public var fleetRegistryUser: String?
    /// `--fleet-registry-password-file`: the file holding that user's password.
    public var fleetRegistryPasswordFile: String?
    /// `--data-plane`: the transport of the http, fast and raw routers.
    public var dataPlane = DataPlaneChoice.auto
    /// The routers, one per kind, in order of first mention.
    public var routers: [RouterSpec] = []
    /// The key → nodes caches (`--cache2`, `--cache N`), in order of mention.
    public var caches: [CacheSpec] = []
    /// `--cache-udp-server ADDR`: cache datagrams for the first cache (`--cache N`'s default
    /// cache, else the first `--cache2`).
    public var cacheUDPServers: [ListenAddress] = []

    /// The cache `--xxx-use-cache NAME` names: "" is the first cache (uWSGI's default cache);
    /// nil when there is none of that name.
    public func cache(named name: String) -> CacheSpec? {
        name.isEmpty ? caches.first : caches.first { $0.name == name }
    }

    /// Creates a configuration with uWSGI's defaults and no router.
    public init() {}

    /// The router of `kind`, if one was configured.
    public func router(_ kind: RouterKind) -> RouterSpec? {
        routers.first { $0.kind == kind }
    }

    /// Runs `body` on the router of `kind`, creating it (with defaults) on first mention.
    mutating func withRouter<E: Error>(_ kind: RouterKind,
                                       _ body: (inout RouterSpec) throws(E) -> Void) throws(E) {
        if let index = routers.firstIndex(where: { $0.kind == kind }) {
            try body(&routers[index])
        } else {
            var spec = RouterSpec(kind: kind)
            try body(&spec)
            routers.append(spec)
        }
    }
}

/// `--subscription-algo`: how a node is chosen inside a subscription slot.
public enum SubscriptionAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// uWSGI's weighted round robin (not smooth; integer weight ratios).
    case wrr
    /// Least reference count.
    case lrc
    /// Least reference count divided by weight.
    case wlrc
    /// Client IP modulo the alive nodes (uWSGI master only).
    case iphash
}

/// `--subscriptions-sign-check DIGEST:DIR`.
public struct SignCheck: Sendable, Equatable {
    /// Digest name, e.g. `SHA1`.
    public var digest: String
    /// Directory of `<key>.pem` public keys.
    public var directory: String

    /// Creates a sign-check setting.
    public init(digest: String, directory: String) {
        self.digest = digest
        self.directory = directory
    }
}
