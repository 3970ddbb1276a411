import Dispatch

/// Drops large values off the UI thread: the replaced dashboard state (and with it the old fleet
/// snapshot, tens of thousands of objects for a big fleet) is handed here instead of being freed
/// in the middle of a frame.
///
/// One serial queue, so drops never pile up in parallel and tests can wait for them (`flush`).
public enum BackgroundRelease {
    private static let queue = DispatchQueue(label: "fleettop.background-release", qos: .utility)

    /// Takes `value` and lets its last reference go on a background queue.
    ///
    /// The caller must hold no other reference for the freeing to happen there: pass the old
    /// value itself (`release(consume old)`), after the new one has replaced it.
    public static func release<Value: Sendable>(_ value: consuming Value) {
        let box = Box(value)
        queue.async { box.drop() }
    }

    /// Waits until every value handed over so far has been dropped.
    public static func flush() {
        queue.sync {}
    }

    // Owned by the queue's block alone, so the value's last release happens inside `drop`.
    private final class Box<Value: Sendable>: @unchecked Sendable {
        private var value: Value?

        init(_ value: consuming Value) { self.value = value }

        func drop() { value = nil }
    }
}
