/// The request-rate histories of one router's nodes, in one block: every node gets its sample
/// at the same poll, so one shared ring position serves them all, and a router's histories
/// copied while the UI holds the last snapshot are one array of numbers, not an array per node.
struct NodeHistories: Sendable, Hashable {
    /// The most samples kept per node.
    let capacity: Int
    /// Node `n`'s ring is `samples[n * capacity ..< (n + 1) * capacity]`.
    private var samples: [Double] = []
    /// The number of samples each node had when it joined (counted in `appended`).
    private var born: [Int] = []
    /// Samples appended so far, to every node at once.
    private var appended = 0

    /// Creates an empty block keeping at most `capacity` (at least 1) samples per node.
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// How many nodes have a history.
    var count: Int { born.count }

    /// Where the next sample goes in each ring.
    private var head: Int { appended % capacity }

    /// A new, empty history; returns its number.
    mutating func add() -> Int {
        born.append(appended)
        samples.append(contentsOf: repeatElement(0, count: capacity))
        return born.count - 1
    }

    /// The same block with only the histories `kept` lists, in that order (nil: a new, empty
    /// one); history `kept[n]` of this block becomes history `n`.
    func keeping(_ kept: [Int?]) -> NodeHistories {
        var result = NodeHistories(capacity: capacity)
        result.appended = appended
        result.born.reserveCapacity(kept.count)
        result.samples.reserveCapacity(kept.count * capacity)
        for old in kept {
            if let old {
                result.born.append(born[old])
                result.samples.append(contentsOf: samples[old * capacity ..< (old + 1) * capacity])
            } else {
                _ = result.add()
            }
        }
        return result
    }

    /// Starts the next sample: `set(_:for:)` then writes each node's value (0 unless set).
    mutating func advance() {
        let head = self.head
        appended += 1
        samples.withUnsafeMutableBufferPointer { samples in
            var index = head
            while index < samples.count {
                samples[index] = 0
                index += capacity
            }
        }
    }

    /// Sets node `history`'s sample of the poll `advance` started.
    mutating func set(_ value: Double, for history: Int) {
        samples[history * capacity + (appended - 1) % capacity] = value
    }

    /// Node `history`'s samples, oldest first.
    func elements(of history: Int) -> [Double] {
        let length = min(capacity, appended - born[history])
        let base = history * capacity
        return (0..<length).map { samples[base + (appended - length + $0) % capacity] }
    }
}
