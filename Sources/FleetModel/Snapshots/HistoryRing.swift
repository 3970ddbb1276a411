/// A bounded history of samples (oldest first), for sparklines: appending past the capacity
/// drops the oldest sample.
public struct HistoryRing<Element: Sendable & Hashable>: Sendable, Hashable {
    /// The most samples kept.
    public let capacity: Int
    private var storage: [Element] = []
    private var head = 0

    /// Creates an empty ring holding at most `capacity` (at least 1) samples.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(self.capacity)
    }

    /// Adds a sample, dropping the oldest when full.
    public mutating func append(_ element: Element) {
        if storage.count < capacity {
            storage.append(element)
        } else {
            storage[head] = element
            head = (head + 1) % capacity
        }
    }

    /// The samples, oldest first.
    public var elements: [Element] {
        Array(storage[head...] + storage[..<head])
    }

    /// Number of samples held.
    public var count: Int { storage.count }

    /// The newest sample.
    public var last: Element? {
        storage.isEmpty ? nil : storage[(head + storage.count - 1) % storage.count]
    }
}
