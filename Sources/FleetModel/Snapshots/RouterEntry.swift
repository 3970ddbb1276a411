import RouterWire

/// Everything the fleet model knows about one router: configuration, latest and previous
/// documents, health, rates, history and node presence.
public struct RouterEntry: Sendable, Hashable, Identifiable {
    /// How the router is reached.
    public internal(set) var endpoint: RouterEndpoint {
        didSet { address = endpoint.stats.description }
    }
    /// The stats address as configured (`endpoint.stats` as text, formatted once).
    public private(set) var address: String
    /// The latest successfully polled document.
    public internal(set) var latest: StatsDocument?
    /// When `latest` was received.
    public internal(set) var latestAt: FleetInstant?
    /// The successful document before `latest`.
    public internal(set) var previous: StatsDocument?
    /// When `previous` was received.
    public internal(set) var previousAt: FleetInstant?
    /// Health as of the last `record`/`refresh`.
    public internal(set) var status: RouterStatus = .neverPolled
    /// The latest poll error; cleared by the next success.
    public internal(set) var lastError: String?
    /// When the fleet registry stopped listing the router (its lease expired, or it stopped);
    /// nil while it is listed or when the router list comes from elsewhere.
    public internal(set) var goneSince: FleetInstant?
    /// Failed polls since the last success.
    public internal(set) var consecutiveFailures = 0
    /// Successful polls so far.
    public internal(set) var successfulPolls = 0
    /// Rates between `previous` and `latest`; nil until two documents exist.
    public internal(set) var rates: RouterRates?
    /// Router requests per second, one sample per poll that had a rate.
    public internal(set) var requestHistory: HistoryRing<Double>
    /// Nodes of `latest`, with presence and where their history is.
    public internal(set) var nodes: [NodeID: NodeTrack] = [:]
    /// The nodes' request-rate histories (`history(of:)`).
    var nodeHistories: NodeHistories
    /// Nodes recently missing from `latest`.
    public internal(set) var goneNodes: [NodeID: GoneNode] = [:]
    // Where `latest`'s keys and nodes are in `rates` and `nodes`, for the next poll with the
    // same nodes (derived, not part of equality).
    var ratePositions = Derived<RatePositions>()
    // `.new` only for the poll right after the first success.
    var storedPresence: Presence = .new
    // The Fleet screen's view of `latest`, built when it is recorded.
    var summary: RouterSummary?

    /// The router's identity.
    public var id: RouterID { endpoint.id }

    /// Whether the latest document came from fleetrouter or a real uWSGI router.
    public var flavor: RouterFlavor? { latest.map(RouterFlavor.init(document:)) }

    /// The router's presence: `.stale` while its status is stale, else new / present.
    public var presence: Presence {
        if case .stale = status { return .stale }
        return storedPresence
    }

    /// A node's presence: `.stale` while the router is stale, `.gone` for recently missing nodes.
    public func presence(of node: NodeID) -> Presence? {
        if let gone = goneNodes[node] { return .gone(polls: gone.polls) }
        guard let track = nodes[node] else { return nil }
        if case .stale = status { return .stale }
        return track.presence
    }

    /// Creates an entry that has never been polled.
    public init(endpoint: RouterEndpoint, historyCapacity: Int) {
        self.endpoint = endpoint
        self.address = endpoint.stats.description
        self.requestHistory = HistoryRing(capacity: historyCapacity)
        self.nodeHistories = NodeHistories(capacity: historyCapacity)
    }

    /// A node's requests per second, one sample per successful poll that had a rate, oldest
    /// first; empty for a node `latest` does not list.
    public func history(of node: NodeID) -> [Double] {
        guard let track = nodes[node] else { return [] }
        return nodeHistories.elements(of: track.history)
    }
}

extension StatsDocument {
    /// Every node of the document by identity: subscription nodes under their key, static
    /// nodes under a nil key.
    public var nodesByID: [(NodeID, GoneNode.LastSeen)] {
        var result: [(NodeID, GoneNode.LastSeen)] = []
        for node in staticNodes ?? [] {
            result.append((NodeID(key: nil, name: node.name), .staticNode(node)))
        }
        for slot in subscriptions ?? [] {
            for node in slot.nodes {
                result.append((NodeID(key: slot.key, name: node.name), .subscribed(node)))
            }
        }
        return result
    }
}
