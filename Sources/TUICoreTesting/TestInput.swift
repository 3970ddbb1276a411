import TUICore

/// A scripted `InputSource`: returns its events in order, then reports timeouts.
public final class TestInput: InputSource {
    private var events: [KeyEvent]
    private var position = 0

    /// Number of times `nextEvent` found the script exhausted.
    public private(set) var timeouts = 0

    /// Creates an input that will deliver `events` in order.
    public init(_ events: [KeyEvent]) { self.events = events }

    /// Creates an input that types `text` one character at a time (`\n` as Enter).
    public convenience init(typing text: String) {
        self.init(text.map { $0 == "\n" ? .key(.enter) : .key(.char($0)) })
    }

    /// Whether every scripted event has been delivered.
    public var isExhausted: Bool { position >= events.count }

    /// Appends more events to the script.
    public func append(_ more: KeyEvent...) { events.append(contentsOf: more) }

    public func nextEvent(timeout: Duration?) -> KeyEvent? {
        guard position < events.count else {
            timeouts += 1
            return nil
        }
        defer { position += 1 }
        return events[position]
    }
}
