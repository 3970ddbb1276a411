/// What a runtime needs to route on several threads with one copy of the state per thread (a
/// replica each, see `RouterEngine`): a failure seen on one replica is told to the others, and
/// the replicas' counters are folded into one view for stats.
///
/// Every replica receives the same control-side changes (subscriptions, expiry, operator
/// edits), so announced fields, operator marks and death marks agree; what differs is what each
/// replica's own sessions did: references, balancer credit, hits, requests and traffic.
extension RouterState {
    /// Death-marks `target`'s node the way a failed connect does, for a replica that did not
    /// see the failure itself: a subscription node is marked (failcnt counted) and removed at
    /// once when no session of this replica holds it; a static node enters its gracetime.
    /// Unlike `connectFailed` no reference is dropped and no router counter moves.
    public mutating func markFailed(_ target: RouteTarget) -> [RouterEvent] {
        var events: [RouterEvent] = []
        switch target.origin {
        case .subscription(let key):
            events += table.markFailed(key: key, address: target.address, reason: .connectFailed)
            if table.isEmpty { Self.append(cheap.tableEmptied(by: .backendFailure), to: &events) }
        case .staticNode:
            events += staticNodes.markFailed(target.address, now: clock.now())
        case .fallback, .computed:
            break
        }
        return events
    }

    /// This state with the per-session figures of `replicas` added: router counters (see
    /// `RouterCounters.merge`), slot hits, and each node's requests, traffic and references.
    /// A node only another replica still holds (dead, not yet released there) is listed too.
    /// Everything else (marks, weights, operator state, cheap mode, balancer credit) is this
    /// state's own.
    public func folding(_ replicas: [RouterState]) -> RouterState {
        var folded = self
        for replica in replicas {
            folded.counters.merge(routingCountersOf: replica.counters)
            folded.table.fold(replica.table)
            folded.staticNodes.fold(replica.staticNodes)
        }
        return folded
    }
}
