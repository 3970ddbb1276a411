import RouterWire

/// One line of the Fleet screen.
///
/// Its fields live in one shared, immutable box: the Fleet table copies rows when it builds,
/// sorts and groups them (grouped by key, a router is listed once per key), and a copy is then
/// one reference, not twenty. Rows are read-only outside this module; a change (the expiry
/// applied at read time) gives the row a box of its own.
public struct RouterRow: Sendable, Hashable, Identifiable, Searchable {
    /// The row's values.
    struct Fields: Sendable, Hashable {
        var id: RouterID
        var name: String
        var kind: String
        var address: String
        var status: RouterStatus
        var lastError: String?
        var flavor: RouterFlavor?
        var presence: Presence
        var cheap: UInt64?
        var cheapMode: StatsDocument.CheapMode?
        var keys: Int
        var nodesByState: [NodeDisplayState: Int]
        var activeSessions: UInt64?
        var requestsPerSecond: Double?
        var txPerSecond: Double?
        var rxPerSecond: Double?
        var history: [Double]
        var tags: [String]
        var keyNames: [String]
        var keyStats: [RouterKeyStats]
        var host: String
        var certificateExpiry: UInt64?
        var measures: RouterRowMeasures
    }

    private final class Storage: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var storage: Storage

    // Every write replaces the box (rows are written only while being built).
    private var fields: Fields {
        get { storage.fields }
        set { storage = Storage(newValue) }
    }

    /// The router.
    public var id: RouterID { storage.fields.id }
    /// The router's name.
    public var name: String { storage.fields.name }
    /// `http`, `fastrouter`, … (fleetrouter's `kind`, else uWSGI's listener-list name, else `tuntap`).
    public var kind: String { storage.fields.kind }
    /// The stats address as configured.
    public var address: String { storage.fields.address }
    /// Health.
    public var status: RouterStatus { storage.fields.status }
    /// The latest poll error, even while the status is still ok.
    public var lastError: String? { storage.fields.lastError }
    /// fleetrouter or uWSGI, once known.
    public var flavor: RouterFlavor? { storage.fields.flavor }
    /// Presence (new on the first answer, stale when old).
    public var presence: Presence { storage.fields.presence }
    /// 1 while cheap, nil when the router has no cheap key.
    public var cheap: UInt64? { storage.fields.cheap }
    /// The operator's cheap setting (fleetrouter only).
    public var cheapMode: StatsDocument.CheapMode? { storage.fields.cheapMode }
    /// Number of subscription keys.
    public var keys: Int { storage.fields.keys }
    /// Nodes by display state (static and subscribed).
    public var nodesByState: [NodeDisplayState: Int] { storage.fields.nodesByState }
    /// Open client sessions.
    public var activeSessions: UInt64? { storage.fields.activeSessions }
    /// Requests per second, nil before two polls.
    public var requestsPerSecond: Double? { storage.fields.requestsPerSecond }
    /// Bytes per second read from nodes.
    public var txPerSecond: Double? { storage.fields.txPerSecond }
    /// Bytes per second written to nodes.
    public var rxPerSecond: Double? { storage.fields.rxPerSecond }
    /// Recent requests-per-second samples, oldest first.
    public var history: [Double] { storage.fields.history }
    /// Tags from the fleet file.
    public var tags: [String] { storage.fields.tags }
    /// Subscription keys (searched by the filter).
    public var keyNames: [String] { storage.fields.keyNames }
    /// Each subscription key's nodes and counters, in document order (as `keyNames`).
    public var keyStats: [RouterKeyStats] { storage.fields.keyStats }
    /// The host the router runs on: its registry record's (`host:` tag), else its stats
    /// address's host (`local` for a unix socket).
    public var host: String { storage.fields.host }
    /// The earliest `notAfter` (seconds since the epoch) of the certificates a TLS router
    /// serves, listeners and SNI contexts alike; nil for a router without TLS stats.
    public var certificateExpiry: UInt64? { storage.fields.certificateExpiry }
    /// What the Fleet table sizes its short columns by, worked out when the row was built.
    public var measures: RouterRowMeasures { storage.fields.measures }

    /// Same values (the box is not compared).
    public static func == (lhs: RouterRow, rhs: RouterRow) -> Bool {
        lhs.storage === rhs.storage || lhs.storage.fields == rhs.storage.fields
    }

    /// Hashes the values.
    public func hash(into hasher: inout Hasher) {
        storage.fields.hash(into: &hasher)
    }

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
        // One new box for all the changes.
        var fields = self.fields
        fields.nodesByState = summary.nodesByState(at: now, tolerance: tolerance)
        fields.measures.nodeDigits = RouterRowMeasures.nodeDigits(fields.nodesByState)
        for (index, key) in summary.keys.enumerated() where !key.expiringLastChecks.isEmpty && fields.keyStats.indices.contains(index) {
            fields.keyStats[index].nodesByState = RouterSummary.applyingExpiry(
                to: key.counts, lastChecks: key.expiringLastChecks, at: now, tolerance: tolerance)
        }
        self.fields = fields
    }

    /// The row as of the entry's last change, before uWSGI's lazy expiry is applied.
    init(template entry: RouterEntry) {
        storage = Storage(Self.fields(of: entry))
    }

    /// The row as `init(template:)` builds it, its keys numbered in `keyNumbers`.
    init(template entry: RouterEntry, keyNumbers: inout KeyNumbers) {
        var fields = Self.fields(of: entry)
        keyNumbers.number(&fields.keyStats)
        storage = Storage(fields)
    }

    /// The same row with its keys numbered in `keyNumbers` (the snapshot renumbered its keys).
    func renumbered(in keyNumbers: inout KeyNumbers) -> RouterRow {
        var row = self
        var fields = row.fields
        keyNumbers.number(&fields.keyStats)
        row.fields = fields
        return row
    }

    private static func fields(of entry: RouterEntry) -> Fields {
        let document = entry.latest
        let summary = entry.summary
        let keyNames = summary?.keyNames ?? []
        let keyRates = entry.rates?.keyRequestsPerSecond
        let kind = summary?.kind ?? "-"
        let flavor = entry.flavor
        let name = entry.endpoint.name
        let address = entry.address
        let counts = summary?.counts ?? [:]
        let measures = RouterRowMeasures(
            kindLength: kind.utf8.count + (flavor == .uwsgi ? 1 : 0), health: .init(entry.status),
            hasData: flavor != nil, cheap: document?.cheap, cheapMode: document?.cheapMode,
            nodeDigits: RouterRowMeasures.nodeDigits(counts), asciiNameWidth: RouterRowMeasures.asciiWidth(name),
            asciiAddressWidth: address == name ? nil : RouterRowMeasures.asciiWidth(address),
            addressDiffers: address != name, hasCertificates: document?.tls?.earliestExpiry != nil)
        return Fields(
            id: entry.id,
            name: entry.endpoint.name,
            kind: summary?.kind ?? "-",
            address: entry.address,
            status: entry.status,
            lastError: entry.lastError,
            flavor: entry.flavor,
            presence: entry.presence,
            cheap: document?.cheap,
            cheapMode: document?.cheapMode,
            keys: keyNames.count,
            nodesByState: summary?.counts ?? [:],
            activeSessions: document?.activeSessions,
            requestsPerSecond: entry.rates?.requestsPerSecond,
            txPerSecond: entry.rates?.txPerSecond,
            rxPerSecond: entry.rates?.rxPerSecond,
            history: entry.requestHistory.elements,
            tags: entry.endpoint.tags,
            keyNames: keyNames,
            keyStats: (summary?.keys ?? []).map { key in
                RouterKeyStats(key: key.key, hits: key.hits, requests: key.requests, failures: key.failures,
                               nodesByState: key.counts, requestsPerSecond: keyRates?[key.key])
            },
            host: Self.host(of: entry.endpoint),
            certificateExpiry: document?.tls?.earliestExpiry,
            measures: measures)
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
        // By index: `for template in` copies each template, its summary's names and arrays too.
        for index in rowTemplates.indices {
            var row = rowTemplates[index].row
            if rowTemplates[index].expiring, let summary = rowTemplates[index].summary {
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
    /// Whether some of its nodes can expire (uWSGI's lazy expiry, applied at read time).
    var expiring: Bool
    /// Whether its status is stale or unreachable, so a scan for trouble reads a flag per
    /// router instead of copying every status.
    var troubled: Bool

    /// The template of `entry`, its keys numbered in `keyNumbers`.
    init(entry: RouterEntry, keyNumbers: inout KeyNumbers) {
        row = RouterRow(template: entry, keyNumbers: &keyNumbers)
        summary = entry.summary
        expiring = !(entry.summary?.expiringLastChecks.isEmpty ?? true)
        switch entry.status {
        case .stale, .unreachable: troubled = true
        case .ok, .neverPolled, .gone: troubled = false
        }
    }
}
