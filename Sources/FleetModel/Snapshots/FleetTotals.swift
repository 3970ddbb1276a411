/// The whole fleet in a few numbers (the dashboard's header line).
public struct FleetTotals: Sendable, Hashable {
    /// Routers configured.
    public var routers = 0
    /// Routers whose status is ok.
    public var ok = 0
    /// Routers whose status is stale.
    public var stale = 0
    /// Routers never reached (unreachable).
    public var down = 0
    /// Routers the fleet registry no longer lists (not counted in `routers`).
    public var gone = 0
    /// Nodes over all routers' latest documents (static and subscribed).
    public var nodes = 0
    /// Requests per second over all routers that have a rate.
    public var requestsPerSecond: Double = 0

    /// Creates empty totals.
    public init() {}
}

extension FleetSnapshot {
    /// Totals over the routers in configuration order, from what was worked out when each
    /// document was recorded (no row is built): those `prepare` added up off the UI thread
    /// while the snapshot is as it was then, else added up now.
    public var totals: FleetTotals {
        preparedFleet?.totals ?? addedUpTotals
    }

    /// The totals added up over every router's row template (a pass over the whole fleet).
    var addedUpTotals: FleetTotals {
        var totals = FleetTotals()
        // From the row templates, in order: looking each entry up would copy it. By index, as
        // `for template in` copies each template's summary.
        for index in rowTemplates.indices {
            let row = rowTemplates[index].row
            let status = row.status
            if case .gone = status {
                totals.gone += 1
                continue
            }
            totals.routers += 1
            switch status {
            case .ok: totals.ok += 1
            case .stale: totals.stale += 1
            case .unreachable: totals.down += 1
            case .neverPolled, .gone: break
            }
            totals.nodes += rowTemplates[index].summary?.nodeCount ?? 0
            if let rate = row.requestsPerSecond { totals.requestsPerSecond += rate }
        }
        return totals
    }

    /// Calls `body` with each stale or unreachable router's identity and status, in
    /// configuration order; the healthy ones cost a flag each (the status line scans the
    /// whole fleet once per snapshot).
    public func forEachTroubled(_ body: (RouterID, RouterStatus) -> Void) {
        for index in rowTemplates.indices where rowTemplates[index].troubled {
            let row = rowTemplates[index].row
            body(row.id, row.status)
        }
    }
}

extension FleetSnapshot {
    /// uWSGI nodes shown as expired? at `now`, over the whole fleet. The only way "now" changes a
    /// Fleet row is by expiring nodes, and as time moves one way each router's count moves the
    /// same way, so rows built at two instants with the same total are the same rows.
    public func expiredNodeCount(at now: FleetInstant) -> Int {
        let tolerance = configuration.subscriptionTolerance
        var total = 0
        for lastChecks in expiringLastChecks.values {
            // Oldest first: the expired ones are a prefix.
            for lastCheck in lastChecks {
                guard now.secondsSinceEpoch - lastCheck > tolerance else { break }
                total += 1
            }
        }
        return total
    }
}
