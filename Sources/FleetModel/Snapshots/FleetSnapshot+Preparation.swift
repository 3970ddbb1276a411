// What the dashboard shows, worked out with the snapshot off the UI thread: the poller calls
// `prepare(_:at:reusing:)` on a snapshot before delivering it, and the dashboard reads the
// Fleet rows and lines (`preparedFleetRows`, `preparedFleetLines`), the header's totals and the
// key aggregates (`keyAggregates(at:)`) instead of filtering, sorting and grouping every router per poll.
extension FleetSnapshot {
    /// Works out what `preparation` asks for and keeps it with the snapshot; call it off the UI
    /// thread, before handing the snapshot over. `now` is the time the Fleet rows are read at
    /// (uWSGI's expiry), `previous` the order this returned for the last snapshot (a sort of
    /// rows with the same keys then costs no comparison). Returns the Fleet rows' order.
    ///
    /// Any later change to a router drops the Fleet rows and lines (the dashboard then derives
    /// them itself); see `prepareKeyAggregates()` for the aggregates.
    @discardableResult
    public mutating func prepare(_ preparation: SnapshotPreparation, at now: FleetInstant,
                                 reusing previous: SortedOrder<RouterColumn>? = nil) -> SortedOrder<RouterColumn>? {
        if preparation.keyAggregates { prepareKeyAggregates() }
        guard let view = preparation.fleetView else { return nil }
        let (rows, order) = view.rows(routerRows(at: now), reusing: previous)
        let lines = view.grouping.lines(for: rows, collapsed: view.collapsed)
        var keyNodes: PreparedKeyNodes?
        if let nodesView = preparation.keyNodes {
            let all = keyNodeRows(key: nodesView.key, routers: rows, at: now)
            keyNodes = PreparedKeyNodes(view: nodesView, validity: KeyNodeRowsValidity(all),
                                        rows: nodesView.sort.apply(to: nodesView.filter.apply(to: all)))
        }
        preparedFleet = PreparedFleetLines(view: view, expiredNodes: expiredNodeCount(at: now), rows: rows,
                                           measures: rows.map(\.measures), lines: lines, keyNodes: keyNodes,
                                           totals: addedUpTotals)
        return order
    }

    /// The Fleet rows filtered by `filter` and sorted by `sort` as of `now`, when `prepare`
    /// worked them out for the snapshot as it is; nil otherwise. What
    /// `sort.apply(to: filter.apply(to: routerRows(at: now)))` gives.
    public func preparedFleetRows(sort: TableSort<RouterColumn>, filter: TextFilter, at now: FleetInstant) -> [RouterRow]? {
        currentPreparation(sort: sort, filter: filter, at: now)?.rows
    }

    /// The measures of `preparedFleetRows(sort:filter:at:)`'s rows, in their order, in one
    /// array; nil when that is nil.
    public func preparedFleetRowMeasures(sort: TableSort<RouterColumn>, filter: TextFilter, at now: FleetInstant) -> [RouterRowMeasures]? {
        currentPreparation(sort: sort, filter: filter, at: now)?.measures
    }

    /// The Fleet lines of `view` as of `now`, when `prepare` worked them out for the snapshot
    /// as it is; nil otherwise. What `view.grouping.lines(for:collapsed:)` gives for the rows.
    public func preparedFleetLines(for view: FleetView, at now: FleetInstant) -> [FleetLine]? {
        guard let prepared = currentPreparation(at: now), prepared.view == view else { return nil }
        return prepared.lines
    }

    /// The drill-down of `view`'s key over the Fleet rows of `fleetSort` and `fleetFilter`, its
    /// rows filtered and sorted as `view` says, with their validity, when `prepare` worked it
    /// out for the snapshot as it is and it reads the same at `now` (its nodes' ages aside: they
    /// are as of when it was worked out); nil otherwise. What
    /// `view.sort.apply(to: view.filter.apply(to: keyNodeRows(key:routers:at:)))` gives.
    public func preparedKeyNodeRows(
        for view: KeyNodesView, fleetSort: TableSort<RouterColumn>, fleetFilter: TextFilter, at now: FleetInstant
    ) -> (rows: [KeyNodeRow], validity: KeyNodeRowsValidity)? {
        guard let prepared = currentPreparation(at: now), let keyNodes = prepared.keyNodes, keyNodes.view == view,
              prepared.view.sort == fleetSort, prepared.view.filter == fleetFilter,
              keyNodes.validity.holds(at: now, tolerance: configuration.subscriptionTolerance) else { return nil }
        return (keyNodes.rows, keyNodes.validity)
    }

    /// What `prepare` worked out, while the uWSGI nodes expired as of `now` are those it saw
    /// (time changes nothing else in the Fleet rows); nil otherwise.
    private func currentPreparation(at now: FleetInstant) -> PreparedFleetLines? {
        guard let prepared = preparedFleet, prepared.expiredNodes == expiredNodeCount(at: now) else { return nil }
        return prepared
    }

    /// What `prepare` worked out, when it is current at `now` and its rows are of `sort` and `filter`.
    private func currentPreparation(sort: TableSort<RouterColumn>, filter: TextFilter, at now: FleetInstant) -> PreparedFleetLines? {
        guard let prepared = currentPreparation(at: now), prepared.view.sort == sort, prepared.view.filter == filter else { return nil }
        return prepared
    }

    /// Whether `prepare` has worked out Fleet rows of the snapshot as it is (for any view).
    public var hasPreparedFleetLines: Bool { preparedFleet != nil }
}
