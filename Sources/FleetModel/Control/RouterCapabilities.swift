import RouterWire

/// Which edits one router accepts, computed from its latest stats document and its endpoint.
///
/// fleetrouter (Fleettop's `kind`/`admin` keys present) takes every edit through its admin
/// API. A real uWSGI router only takes what uWSGI accepts from outside:
/// subscription packets sent to its subscription server. Its stats list the subscription
/// server among the listeners with nothing to tell them apart, so the address must come from
/// the fleet file's `subscription_server`.
public struct RouterCapabilities: Sendable, Hashable {
    /// Reason strings shown in the UI.
    public enum Reason {
        /// Everything is off under `--readonly`.
        public static let readOnly = "read-only"
        /// The router has not answered yet.
        public static let notPolled = "no stats from this router yet"
        /// fleetrouter without `--admin`.
        public static let noAdmin = "admin API not enabled on this router"
        /// uWSGI cannot be drained from outside.
        public static let uwsgiDrain = "uWSGI has no sticky drain (the node's next announce would undo it); use kick"
        /// uWSGI has nothing to undrain.
        public static let uwsgiUndrain = "uWSGI has no drain to undo"
        /// uWSGI has no operator weight.
        public static let uwsgiClearWeight = "uWSGI keeps no operator weight; the node's next announce restores its own"
        /// uWSGI's cheap mode follows its configuration.
        public static let uwsgiCheap = "uWSGI cannot toggle cheap mode at runtime"
        /// Subscription packets need an address.
        public static let noSubscriptionServer =
            "set subscription_server in the fleet file (the stats do not say which listener is the subscription server)"
        /// A kicked uWSGI node returns.
        public static let uwsgiKickTemporary = "the node comes back at its next announce"
        /// A uWSGI weight is overwritten.
        public static let uwsgiWeightTemporary = "reverts at the node's next announce"
        /// uWSGI's forkptyrouter has no way to close one session from outside.
        public static let uwsgiSession = "uWSGI cannot close one session from outside"
        /// Static nodes are configuration.
        public static let uwsgiStaticNode = "uWSGI static nodes come from the router's configuration"
    }

    /// The router's flavor, nil before its first successful poll.
    public var flavor: RouterFlavor?
    /// Drain a node.
    public var drain: EditAvailability
    /// Undrain a node.
    public var undrain: EditAvailability
    /// Kick a subscription node.
    public var kick: EditAvailability
    /// Set a node's weight.
    public var setWeight: EditAvailability
    /// Clear a node's operator weight.
    public var clearWeight: EditAvailability
    /// Change cheap mode.
    public var cheap: EditAvailability
    /// Add or remove a static node.
    public var staticNodes: EditAvailability
    /// Kick a forkpty session.
    public var sessions: EditAvailability

    /// Computes the capabilities of a router from its latest document (nil if never polled).
    public init(document: StatsDocument?, endpoint: RouterEndpoint, readOnly: Bool) {
        func all(_ availability: EditAvailability) -> (EditAvailability, EditAvailability, EditAvailability,
                                                       EditAvailability, EditAvailability, EditAvailability) {
            (availability, availability, availability, availability, availability, availability)
        }
        let flavor = document.map(RouterFlavor.init(document:))
        self.flavor = flavor
        let set: (EditAvailability, EditAvailability, EditAvailability, EditAvailability, EditAvailability, EditAvailability)
        if readOnly {
            set = all(.unavailable(reason: Reason.readOnly))
        } else if let document, let flavor {
            switch flavor {
            case .fleetrouter:
                let hasAdmin = endpoint.admin != nil || (document.admin.map { !$0.isEmpty } ?? false)
                set = all(hasAdmin ? .available : .unavailable(reason: Reason.noAdmin))
            case .uwsgi:
                let packets: (EditAvailability, EditAvailability)
                if endpoint.subscriptionServer == nil {
                    packets = (.unavailable(reason: Reason.noSubscriptionServer), .unavailable(reason: Reason.noSubscriptionServer))
                } else {
                    packets = (.temporary(reason: Reason.uwsgiKickTemporary), .temporary(reason: Reason.uwsgiWeightTemporary))
                }
                set = (.unavailable(reason: Reason.uwsgiDrain), .unavailable(reason: Reason.uwsgiUndrain),
                       packets.0, packets.1, .unavailable(reason: Reason.uwsgiClearWeight),
                       .unavailable(reason: Reason.uwsgiCheap))
            }
        } else {
            set = all(.unavailable(reason: Reason.notPolled))
        }
        (drain, undrain, kick, setWeight, clearWeight, cheap) = set
        // Static nodes are edited through the admin API as cheap mode is; a uWSGI router's
        // come from its configuration.
        staticNodes = flavor == .uwsgi && !readOnly ? .unavailable(reason: Reason.uwsgiStaticNode) : cheap
        sessions = flavor == .uwsgi && !readOnly ? .unavailable(reason: Reason.uwsgiSession) : cheap
    }

    /// Whether a particular edit can be made. Static nodes (nil key) of a uWSGI router accept
    /// nothing: they are not subscriptions.
    public func availability(of edit: FleetEdit) -> EditAvailability {
        let base: EditAvailability
        switch edit {
        case .drain, .drainEverywhere: base = drain
        case .undrain: base = undrain
        case .kick: base = kick
        case .setWeight: base = setWeight
        case .clearWeight: base = clearWeight
        case .setCheap: base = cheap
        case .addStatic, .removeStatic: base = staticNodes
        case .kickSession: base = sessions
        }
        guard base.isUsable else { return base }
        if flavor == .uwsgi, let node = edit.node, node.key == nil {
            return .unavailable(reason: Reason.uwsgiStaticNode)
        }
        return base
    }
}

extension RouterEntry {
    /// This router's capabilities from its latest document.
    public func capabilities(readOnly: Bool) -> RouterCapabilities {
        RouterCapabilities(document: latest, endpoint: endpoint, readOnly: readOnly)
    }
}
