import RouterWire

/// One line of the Fleet screen.
public struct RouterRow: Sendable, Hashable, Identifiable, Searchable {
    /// The router.
    public var id: RouterID
    /// The router's name.
    public var name: String
    /// `http`, `fastrouter`, … (fleetrouter's `kind`, else uWSGI's listener-list name, else `tuntap`).
    public var kind: String
    /// The stats address as configured.
    public var address: String
    /// Health.
    public var status: RouterStatus
    /// The latest poll error, even while the status is still ok.
    public var lastError: String?
    /// fleetrouter or uWSGI, once known.
    public var flavor: RouterFlavor?
    /// Presence (new on the first answer, stale when old).
    public var presence: Presence
    /// 1 while cheap, nil when the router has no cheap key.
    public var cheap: UInt64?
    /// The operator's cheap setting (fleetrouter only).
    public var cheapMode: StatsDocument.CheapMode?
    /// Number of subscription keys.
    public var keys: Int
    /// Nodes by display state (static and subscribed).
    public var nodesByState: [NodeDisplayState: Int]
    /// Open client sessions.
    public var activeSessions: UInt64?
    /// Requests per second, nil before two polls.
    public var requestsPerSecond: Double?
    /// Bytes per second read from nodes.
    public var txPerSecond: Double?
    /// Bytes per second written to nodes.
    public var rxPerSecond: Double?
    /// Recent requests-per-second samples, oldest first.
    public var history: [Double]
    /// Tags from the fleet file.
    public var tags: [String]
    /// Subscription keys (searched by the filter).
    public var keyNames: [String]
    /// Each subscription key's nodes and counters, in document order (as `keyNames`).
    public var keyStats: [RouterKeyStats]
    /// The host the router runs on: its registry record's (`host:` tag), else its stats
    /// address's host (`local` for a unix socket).
    public var host: String
    /// The earliest `notAfter` (seconds since the epoch) of the certificates a TLS router
    /// serves, listeners and SNI contexts alike; nil for a router without TLS stats.
    public var certificateExpiry: UInt64?

    /// How close to its expiry a certificate gets flagged: 14 days.
    public static let certificateWarning: Double = 14 * 86_400

    /// Seconds until the earliest certificate expires (negative once expired), nil without TLS.
    public func certificateSecondsLeft(at now: FleetInstant) -> Double? {
        certificateExpiry.map { Double($0) - now.secondsSinceEpoch }
    }

    /// Total nodes.
    public var nodeCount: Int { nodesByState.values.reduce(0, +) }

    /// Name, kind, address, tags and keys.
    public var searchFields: [String] { [name, kind, address, host] + tags + keyNames }

    /// `name`, `kind`, `key`, `host`, `addr`, `tag`, `status` and `flavor` for `field:pattern` terms.
    public func searchValues(for field: String) -> [String]? {
        switch field {
        case "name": return [name]
        case "kind": return [kind]
        case "key": return keyNames
        case "host": return [host]
        case "addr", "address": return [address]
        case "tag": return tags
        case "status": return [status.label]
        case "flavor": return flavor.map { [$0.rawValue] } ?? []
        default: return nil
        }
    }

    /// Builds the row of one router as of `now`.
    public init(entry: RouterEntry, at now: FleetInstant, tolerance: Double) {
        // Everything taken from the document was summarised when it was recorded, so a row
        // costs a few copies, not a walk over the router's nodes.
        self.init(template: entry)
        if let summary = entry.summary {
            applyExpiry(summary, at: now, tolerance: tolerance)
        }
    }

    /// Moves the nodes of `summary` that expired by `now` from ready to expired?, in the
    /// router's counts and in its keys'.
    mutating func applyExpiry(_ summary: RouterSummary, at now: FleetInstant, tolerance: Double) {
        nodesByState = summary.nodesByState(at: now, tolerance: tolerance)
        for (index, key) in summary.keys.enumerated() where !key.expiringLastChecks.isEmpty && keyStats.indices.contains(index) {
            keyStats[index].nodesByState = RouterSummary.applyingExpiry(
                to: key.counts, lastChecks: key.expiringLastChecks, at: now, tolerance: tolerance)
        }
    }

    /// The row as of the entry's last change, before uWSGI's lazy expiry is applied.
    init(template entry: RouterEntry) {
        let document = entry.latest
        let summary = entry.summary
        id = entry.id
        name = entry.endpoint.name
        kind = summary?.kind ?? "-"
        address = entry.address
        status = entry.status
        lastError = entry.lastError
        flavor = entry.flavor
        presence = entry.presence
        cheap = document?.cheap
        cheapMode = document?.cheapMode
        keyNames = summary?.keyNames ?? []
        keys = keyNames.count
        let keyRates = entry.rates?.keyRequestsPerSecond
        keyStats = (summary?.keys ?? []).map { key in
            RouterKeyStats(key: key.key, hits: key.hits, requests: key.requests, failures: key.failures,
                           nodesByState: key.counts, requestsPerSecond: keyRates?[key.key])
        }
        activeSessions = document?.activeSessions
        requestsPerSecond = entry.rates?.requestsPerSecond
        txPerSecond = entry.rates?.txPerSecond
        rxPerSecond = entry.rates?.rxPerSecond
        history = entry.requestHistory.elements
        tags = entry.endpoint.tags
        host = Self.host(of: entry.endpoint)
        nodesByState = summary?.counts ?? [:]
        certificateExpiry = document?.tls?.earliestExpiry
    }
}

extension RouterRow {
    /// The host of `endpoint`: a `host:NAME` tag (the registry's record), else its stats host.
    static func host(of endpoint: RouterEndpoint) -> String {
        if let tag = endpoint.tags.first(where: { $0.hasPrefix("host:") }) { return String(tag.dropFirst(5)) }
        switch endpoint.stats {
        case let .tcp(host, _), let .http(host, _, _): return host
        case .unix, .abstract: return "local"
        }
    }
}

extension FleetSnapshot {
    /// The Fleet screen's rows in configuration order, as of `now`.
    public func routerRows(at now: FleetInstant) -> [RouterRow] {
        let tolerance = configuration.subscriptionTolerance
        var rows: [RouterRow] = []
        rows.reserveCapacity(order.count)
        // From the templates kept beside the entries: reading an entry would copy all of it.
        for id in order {
            guard var row = rowTemplates[id]?.row else { continue }
            if expiringLastChecks[id] != nil, let summary = rowTemplates[id]?.summary {
                row.applyExpiry(summary, at: now, tolerance: tolerance)
            }
            rows.append(row)
        }
        return rows
    }
}

/// A router's Fleet row as of its entry's last change, kept by the snapshot so that building
/// the Fleet table copies rows, not entries.
struct RouterRowTemplate: Sendable, Hashable {
    /// The row before expiry.
    var row: RouterRow
    /// The entry's summary, for expiry at read time.
    var summary: RouterSummary?

    /// The template of `entry`.
    init(entry: RouterEntry) {
        row = RouterRow(template: entry)
        summary = entry.summary
    }
}
