import RouterWire

extension FleetEdit {
    /// True for edits that stop or divert a router's traffic: a drain (here or fleet-wide), a
    /// kick (of a node or a pty session), removing a static node, weight 0 and cheap mode `on`. A confirmation of one of
    /// these defaults to No, so a stray Enter cannot apply it. Undrain, clearing a weight, other
    /// weights, cheap `auto`/`off` and adding a static node restore or keep traffic.
    public var stopsTraffic: Bool {
        switch self {
        case .drain, .kick, .drainEverywhere, .removeStatic, .kickSession: return true
        case let .setWeight(_, weight): return weight == 0
        case let .setCheap(mode): return mode == .on
        case .undrain, .clearWeight, .addStatic: return false
        }
    }
}
