import NIOConcurrencyHelpers
import RouterCore

/// Request durations of one worker, kept as bucket counts (no lock of its own: it lives in the
/// worker's replica, under the lock the request already holds) and folded into
/// `fleetrouter_request_duration_seconds` off the hot path.
///
/// A duration runs from the routing decision (the session's lease) to the end of the session
/// with the node (`finished`: the response relayed and the node released), connect included.
/// Each request is counted once, under its subscription key (label `key`), under `key=""`
/// when no subscription key routed it (static, fallback and computed nodes), or under
/// `other` past `keyLabels` distinct keys, so the label's values stay bounded whatever
/// clients send and summing over `key` gives the router's histogram.
struct RequestLatency {
    /// The histogram's upper bounds in nanoseconds (`le`), ascending; one more bucket holds
    /// what is above the last.
    static let bounds: [UInt64] = [
        500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000,
        100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 2_500_000_000, 5_000_000_000, 10_000_000_000,
    ]
    /// The default number of subscription keys that get a `key` label of their own.
    static let defaultKeyLabels = 32
    /// The `key` label of the keys past the cap.
    static let otherKey = "other"

    /// Counts and summed nanoseconds per bucket (not cumulative).
    struct Counts: Sendable, Equatable {
        /// Requests per bucket; the last is above every bound.
        var counts = [UInt64](repeating: 0, count: RequestLatency.bounds.count + 1)
        /// Nanoseconds summed per bucket, so a fold can keep the histogram's sum exact.
        var sums = [UInt64](repeating: 0, count: RequestLatency.bounds.count + 1)

        /// Counts one duration.
        @inline(__always)
        mutating func record(_ nanoseconds: UInt64) {
            let index = RequestLatency.bucket(of: nanoseconds)
            counts[index] &+= 1
            sums[index] &+= nanoseconds
        }

        /// Adds another worker's counts.
        mutating func add(_ other: Counts) {
            for index in counts.indices {
                counts[index] &+= other.counts[index]
                sums[index] &+= other.sums[index]
            }
        }

        /// Requests counted.
        var total: UInt64 { counts.reduce(0, &+) }
    }

    /// Requests no subscription key routed.
    private(set) var unkeyed = Counts()
    /// Per subscription key with a label of its own (index into `perKey`).
    private var keyIndex: [RouteKey: Int] = [:]
    /// The keys with a label of their own, in the order first seen.
    private(set) var keys: [String] = []
    private var perKey: [Counts] = []
    /// Keys past the cap.
    private(set) var other = Counts()
    /// How many keys get a label of their own.
    let keyLabels: Int

    /// An empty recorder giving at most `keyLabels` keys a label of their own.
    init(keyLabels: Int = RequestLatency.defaultKeyLabels) {
        self.keyLabels = max(0, keyLabels)
    }

    /// The bucket a duration falls in: the first bound at or above it.
    @inline(__always)
    static func bucket(of nanoseconds: UInt64) -> Int {
        var index = 0
        while index < bounds.count, nanoseconds > bounds[index] { index += 1 }
        return index
    }

    /// Counts one request of `nanoseconds`, under `key` when it went to a subscription key.
    mutating func record(_ nanoseconds: UInt64, key: RouteKey?) {
        guard let key else {
            unkeyed.record(nanoseconds)
            return
        }
        if let index = keyIndex[key] {
            perKey[index].record(nanoseconds)
        } else if keys.count < keyLabels {
            keyIndex[key] = perKey.count
            keys.append(key.string)
            perKey.append(Counts())
            perKey[perKey.count - 1].record(nanoseconds)
        } else {
            other.record(nanoseconds)
        }
    }

    /// Each labelled key's counts, in the order first seen.
    var labelled: [(key: String, counts: Counts)] {
        zip(keys, perKey).map { (key: $0, counts: $1) }
    }
}

extension RouterEngine {
    /// The router's request durations so far by `key` label, every worker's added: `""`
    /// (no subscription key) when counted, the labelled keys, then `other` (every worker's, and
    /// keys past the cap) when counted.
    ///
    /// A key keeps its label once it has one (`latencyKeyLabels`), and a key that found the
    /// cap full stays in `other`: were the labelled set chosen afresh each time, a key of
    /// one worker could push out another worker's key, whose whole history would then move
    /// into `other` and be counted twice by a sum over `key`.
    func requestLatency() -> [(key: String, counts: RequestLatency.Counts)] {
        var unkeyed = RequestLatency.Counts()
        var labelled: [String: RequestLatency.Counts] = [:]
        var other = RequestLatency.Counts()
        let chosen = latencyKeyLabels.withLockedValue { chosen -> [String] in
            var known = Set(chosen)
            for replica in replicas {
                let latency = replica.core.withLockedValue { $0.latency }
                unkeyed.add(latency.unkeyed)
                other.add(latency.other)
                for (key, counts) in latency.labelled {
                    if !known.contains(key) {
                        guard chosen.count < latency.keyLabels else {
                            other.add(counts)
                            continue
                        }
                        known.insert(key)
                        chosen.append(key)
                    }
                    labelled[key, default: RequestLatency.Counts()].add(counts)
                }
            }
            return chosen
        }
        var byKey: [(key: String, counts: RequestLatency.Counts)] = []
        if unkeyed.total > 0 { byKey.append((key: "", counts: unkeyed)) }
        byKey += chosen.compactMap { key in labelled[key].map { (key: key, counts: $0) } }
        if other.total > 0 { byKey.append((key: RequestLatency.otherKey, counts: other)) }
        return byKey
    }
}
