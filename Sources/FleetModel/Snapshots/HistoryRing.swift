/// A bounded history of samples (oldest first), for sparklines: appending past the capacity
/// drops the oldest sample.
///
/// The samples are kept in order, so reading them (every frame, for every visible sparkline)
/// shares the storage instead of copying it; dropping the oldest of at most a few dozen samples
/// is a short move.
public struct HistoryRing<Element: Sendable & Hashable>: Sendable, Hashable {
    /// The most samples kept.
    public let capacity: Int
    /// The samples, oldest first.
    public private(set) var elements: [Element] = []

    /// Creates an empty ring holding at most `capacity` (at least 1) samples.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        elements.reserveCapacity(self.capacity)
    }

    /// Adds a sample, dropping the oldest when full.
    public mutating func append(_ element: Element) {
        if elements.count >= capacity { elements.removeFirst(elements.count - capacity + 1) }
        elements.append(element)
    }

    /// Number of samples held.
    public var count: Int { elements.count }

    /// The newest sample.
    public var last: Element? { elements.last }
}
