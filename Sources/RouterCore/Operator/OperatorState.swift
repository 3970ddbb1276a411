import RouterWire

/// The operator's edits, kept apart from subscription state so a node's re-announce, removal or
/// re-subscription never undoes them. The runtime persists it (Codable) to its state file.
public struct OperatorState: Sendable, Hashable {
    /// Cheap mode setting: `auto` (uWSGI's behaviour), `on` (forced cheap), `off` (never cheap).
    public var cheapMode: StatsDocument.CheapMode
    /// Drains and weight overrides by target.
    public private(set) var overrides: [OperatorTarget: NodeOverride]

    /// Creates an operator state (empty by default).
    public init(cheapMode: StatsDocument.CheapMode = .auto, overrides: [OperatorTarget: NodeOverride] = [:]) {
        self.cheapMode = cheapMode
        self.overrides = overrides.filter { !$0.value.isEmpty }
    }

    /// The override in force for `address` under `key` (nil key: a static node): the exact
    /// (key, address) entry if one exists, else the address-wide entry, else none.
    public func override(key: RouteKey?, address: String) -> NodeOverride {
        if let key, let exact = overrides[OperatorTarget(key: key.string, address: address)] {
            return exact
        }
        return overrides[OperatorTarget(key: nil, address: address)] ?? .none
    }

    /// Sets or clears the drain flag of `target`.
    public mutating func setDrain(_ drain: Bool, for target: OperatorTarget) {
        var entry = overrides[target] ?? .none
        entry.drain = drain
        store(entry, for: target)
    }

    /// Sets (or, with nil, removes) the weight override of `target`; 0 is refused.
    public mutating func setWeight(_ weight: UInt64?, for target: OperatorTarget) throws(RouterCoreError) {
        if weight == 0 { throw .invalidWeight(0) }
        var entry = overrides[target] ?? .none
        entry.weight = weight
        store(entry, for: target)
    }

    /// Forgets every edit for `target`.
    public mutating func reset(_ target: OperatorTarget) {
        overrides[target] = nil
    }

    /// This state with `intent` laid over it: a target is drained when either drains it, the
    /// intent's weight wins over this one's, and the intent's cheap mode wins unless `auto`.
    public func layered(under intent: OperatorState) -> OperatorState {
        guard !intent.overrides.isEmpty || intent.cheapMode != .auto else { return self }
        var merged = overrides
        func lay(_ entry: NodeOverride, over target: OperatorTarget) {
            var combined = merged[target] ?? .none
            combined.drain = combined.drain || entry.drain
            combined.weight = entry.weight ?? combined.weight
            merged[target] = combined
        }
        // An address-wide intent also holds under the keys where this state has an exact
        // entry for the address (an exact entry otherwise hides the address-wide one); an
        // exact intent, laid after, wins over it.
        for (target, entry) in intent.overrides where target.key == nil {
            for local in overrides.keys where local.key != nil && local.address == target.address {
                lay(entry, over: local)
            }
        }
        for (target, entry) in intent.overrides { lay(entry, over: target) }
        return OperatorState(cheapMode: intent.cheapMode == .auto ? cheapMode : intent.cheapMode, overrides: merged)
    }

    private mutating func store(_ entry: NodeOverride, for target: OperatorTarget) {
        overrides[target] = entry.isEmpty ? nil : entry
    }
}

extension OperatorState: Codable {
    private enum CodingKeys: String, CodingKey {
        case cheapMode = "cheap_mode"
        case nodes
    }

    private struct Entry: Codable {
        var key: String?
        var address: String
        var drain: Bool
        var weight: UInt64?
    }

    /// Decodes `{"cheap_mode": "auto", "nodes": [{"key", "address", "drain", "weight"}]}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let mode = try container.decodeIfPresent(StatsDocument.CheapMode.self, forKey: .cheapMode) ?? .auto
        let entries = try container.decodeIfPresent([Entry].self, forKey: .nodes) ?? []
        var overrides: [OperatorTarget: NodeOverride] = [:]
        for entry in entries {
            if entry.weight == 0 {
                throw DecodingError.dataCorruptedError(
                    forKey: .nodes, in: container,
                    debugDescription: "weight 0 for \(entry.address); expected at least 1")
            }
            overrides[OperatorTarget(key: entry.key, address: entry.address)] =
                NodeOverride(drain: entry.drain, weight: entry.weight)
        }
        self.init(cheapMode: mode, overrides: overrides)
    }

    /// Encodes the entries sorted by target, so the state file is stable.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cheapMode, forKey: .cheapMode)
        let entries = overrides.sorted { $0.key < $1.key }.map {
            Entry(key: $0.key.key, address: $0.key.address, drain: $0.value.drain, weight: $0.value.weight)
        }
        try container.encode(entries, forKey: .nodes)
    }
}
