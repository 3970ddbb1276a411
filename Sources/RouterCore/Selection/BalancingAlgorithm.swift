/// How a node is chosen inside a slot (`--subscription-algo`, or a slot's `algo`).
public enum BalancingAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    /// Smooth weighted round robin honouring effective weights exactly.
    case wrr
    /// Least reference count (fewest sessions in flight).
    case lrc
    /// Least reference count per unit of weight.
    case wlrc
    /// Client address hash over the alive nodes (backup levels do not apply, as in uWSGI master).
    case iphash
}
