import RouterWire

/// One node of a subscription slot: what the node announced, its counters and lifecycle flags,
/// plus a mirror of the operator's drain / weight override for it.
public struct SubscriptionNode: Sendable, Hashable {
    /// The announced address; the node's identity within its slot (compared byte for byte).
    public let address: String
    /// modifier1 from the node's first packet (a refresh never changes it).
    public internal(set) var modifier1: UInt8
    /// modifier2 from the node's first packet (a refresh never changes it).
    public internal(set) var modifier2: UInt8
    /// When the node was created or last refreshed.
    public internal(set) var lastCheck: RouterInstant
    /// Successful connects since the node was created.
    public internal(set) var requests: UInt64 = 0
    /// Successful connects since the last refresh.
    public internal(set) var lastRequests: UInt64 = 0
    /// Bytes read from the node.
    public internal(set) var tx: UInt64 = 0
    /// Bytes written to the node.
    public internal(set) var rx: UInt64 = 0
    /// Announced cores.
    public internal(set) var cores: UInt64
    /// Announced load.
    public internal(set) var load: UInt64
    /// Announced weight (0 announced becomes 1).
    public internal(set) var announcedWeight: UInt64
    /// Backup level as announced (nil when the packet had none; treated as 0).
    public internal(set) var backup: UInt64?
    /// First byte of the announced `proto` (nil when never announced).
    public internal(set) var proto: String?
    /// Vassal name from the first packet.
    public internal(set) var vassal: String?
    /// Notify socket from the first packet.
    public internal(set) var notify: String?
    /// Excluded from selection and waiting for removal at ref 0.
    public internal(set) var deathMark: Bool = false
    /// Sessions currently holding the node.
    public internal(set) var ref: UInt64 = 0
    /// Times the node was marked failed.
    public internal(set) var failcnt: UInt64 = 0
    /// Smooth-WRR current credit (may be negative).
    public internal(set) var wrrCurrent: Int64 = 0
    /// Operator drain, mirrored from `OperatorState`.
    public internal(set) var drain: Bool = false
    /// Operator weight override, mirrored from `OperatorState`.
    public internal(set) var operatorWeight: UInt64?
    /// The newest `unix` stamp accepted for the node (signed subscriptions); a packet must
    /// carry a newer one.
    public internal(set) var unixCheck: UInt64?

    init(packet: SubscriptionPacket, now: RouterInstant) {
        address = packet.address
        modifier1 = packet.modifier1 ?? 0
        modifier2 = packet.modifier2 ?? 0
        lastCheck = now
        cores = packet.cores ?? 0
        load = packet.load ?? 0
        announcedWeight = max(packet.weight ?? 0, 1)
        backup = packet.backup
        proto = packet.proto.flatMap { $0.first.map { String($0) } }
        vassal = packet.vassal
        notify = packet.notify
        unixCheck = packet.unix
    }

    /// The weight balancing uses: the operator's override, else the announced weight.
    public var effectiveWeight: UInt64 { operatorWeight ?? announcedWeight }

    /// Alive for selection: not death-marked and not drained (drain is a flag, not health).
    public var isAlive: Bool { !deathMark && !drain }

    /// The state the operator sees.
    public var state: StatsDocument.NodeState {
        if deathMark { return .dead }
        if drain { return ref > 0 ? .draining : .drained }
        return .ready
    }

    /// Refreshes from a re-announce: weight, cores, load, backup, proto, last_check; resets
    /// last_requests and clears the death mark. Modifiers, notify, counters and credit stay.
    mutating func refresh(from packet: SubscriptionPacket, now: RouterInstant) {
        refresh(cores: packet.cores, load: packet.load, weight: packet.weight, backup: packet.backup, now: now)
        if let first = packet.proto?.first { proto = String(first) }
    }

    /// `refresh(from:now:)` for a re-announce without `proto`, from its figures alone.
    mutating func refresh(cores: UInt64?, load: UInt64?, weight: UInt64?, backup: UInt64?, now: RouterInstant) {
        deathMark = false
        lastCheck = now
        self.cores = cores ?? 0
        self.load = load ?? 0
        announcedWeight = max(weight ?? 0, 1)
        lastRequests = 0
        if let backup { self.backup = backup }
    }

    /// Adds the per-session figures of the same node in another replica of the table:
    /// requests, last requests, traffic and references (announced fields, marks and failure
    /// counts are the same in every replica).
    mutating func fold(_ other: SubscriptionNode) {
        requests &+= other.requests
        lastRequests &+= other.lastRequests
        tx &+= other.tx
        rx &+= other.rx
        ref &+= other.ref
    }

    /// Death-marks the node and counts the failure.
    mutating func markFailed() {
        deathMark = true
        failcnt &+= 1
    }

    /// True when the address equals `other` byte for byte (uWSGI compares with memcmp).
    func hasAddress(_ other: String) -> Bool {
        address.hasSameBytes(as: other)
    }
}

extension SubscriptionNode: BalancedNode {
    var isSelectable: Bool { isAlive }
    var balanceWeight: UInt64 { effectiveWeight }
    var inFlight: UInt64 { ref }
    var recentRequests: UInt64 { lastRequests }
    var backupLevel: UInt64 { backup ?? 0 }
}
