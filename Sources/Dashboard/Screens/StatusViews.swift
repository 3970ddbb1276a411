import FleetModel
import TUICore

/// A router's health with ages worked out against "now" (what the Health column says).
enum RouterStatusView: Hashable {
    case ok
    case stale(age: Double, error: String?)
    case unreachable(String)
    case waiting
    case gone(age: Double)

    init(_ status: RouterStatus, now: FleetInstant) {
        switch status {
        case .ok: self = .ok
        case let .stale(since, error): self = .stale(age: now - since, error: error)
        case let .unreachable(error): self = .unreachable(error)
        case .neverPolled: self = .waiting
        case let .gone(since): self = .gone(age: now - since)
        }
    }
}

/// A node's state as the State column shows it, including nodes that have just left.
enum NodeStateView: Hashable {
    case ready, draining, drained, dead, expired, gone

    init(_ row: NodeRow) {
        if case .gone = row.presence {
            self = .gone
            return
        }
        switch row.state {
        case .ready: self = .ready
        case .draining: self = .draining
        case .drained: self = .drained
        case .dead: self = .dead
        case .expired: self = .expired
        }
    }

    var label: String {
        switch self {
        case .ready: return "ready"
        case .draining: return "draining"
        case .drained: return "drained"
        case .dead: return "dead"
        case .expired: return "expired?"
        case .gone: return "gone"
        }
    }
}

/// Symbols that have an ASCII fallback for terminals without UTF-8.
struct Glyphs {
    var ready: String
    var drained: String
    var dead: String
    var separator: String
    var ascii: Bool

    static let unicode = Glyphs(ready: "✓", drained: "⇣", dead: "✗", separator: "›", ascii: false)
    static let plain = Glyphs(ready: "ok", drained: "dr", dead: "x", separator: ">", ascii: true)

    static func forState(_ state: DashboardState) -> Glyphs { state.options.ascii ? .plain : .unicode }

    /// `5✓ 1⇣ 0✗`: ready, draining or drained, dead or expired.
    func nodeCounts(_ counts: [NodeDisplayState: Int]) -> String {
        let ready = counts[.ready] ?? 0
        let drained = (counts[.draining] ?? 0) + (counts[.drained] ?? 0)
        let dead = (counts[.dead] ?? 0) + (counts[.expired] ?? 0)
        return "\(ready)\(self.ready) \(drained)\(self.drained) \(dead)\(self.dead)"
    }

    /// The display width of `nodeCounts(counts)`, worked out without building the text (the
    /// Fleet table measures every router's, once per snapshot).
    func nodeCountsWidth(_ counts: [NodeDisplayState: Int]) -> Int {
        RouterRowMeasures.nodeDigits(counts) + glyphsWidth
    }

    /// The width of `nodeCounts` apart from its numbers: the three glyphs and two spaces (the
    /// same for every router, so a fleet-wide measure works it out once).
    var glyphsWidth: Int {
        2 + DisplayWidth.of(ready) + DisplayWidth.of(drained) + DisplayWidth.of(dead)
    }
}
