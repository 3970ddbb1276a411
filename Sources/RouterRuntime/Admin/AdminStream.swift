import NIOCore
import RouterWire

/// A streamed admin answer (`GET /v1/watch`): the server writes the response head, then asks
/// `next` for a document every `interval` and writes one line per document, until the client
/// leaves or the server shuts down.
public struct AdminStream: Sendable {
    /// Time between two documents.
    public var interval: Duration
    /// True when the watcher asked for delta lines (`delta=1`, see `StatsDocument.deltaJSON`).
    public var deltas: Bool
    /// The current document; called off the loops.
    public var next: @Sendable () async throws -> StatsDocument

    /// Creates a stream producing `next()` every `interval`.
    public init(interval: Duration, deltas: Bool = false, next: @escaping @Sendable () async throws -> StatsDocument) {
        self.interval = interval
        self.deltas = deltas
        self.next = next
    }
}

/// The line framing of a watch stream, as a pure value: the first document is sent whole, a
/// document equal to the one sent before is sent as an empty line (unchanged, still alive), so
/// an idle router costs its watchers one byte per interval instead of its whole document; and,
/// for a watcher that asked for deltas, a changed document whose nodes and keys stayed is sent
/// as the delta from the one before, so a busy router costs them its counters only.
struct WatchFrames: Sendable {
    /// True when changes may go as delta lines.
    let deltas: Bool
    private var last: StatsDocument?

    /// Frames for a watcher that asked for delta lines, or not.
    init(deltas: Bool = false) {
        self.deltas = deltas
    }

    /// The line to send for `document`: the document (compact JSON) and a newline, its delta
    /// from the last line's document, or a lone newline when it has not changed since then.
    mutating func line(for document: StatsDocument) -> ByteBuffer {
        defer { last = document }
        guard let last else { return Self.whole(document) }
        if last == document { return ByteBuffer(string: "\n") }
        if deltas, let delta = document.deltaJSON(from: last) {
            var line = ByteBuffer(bytes: delta)
            line.writeString("\n")
            return line
        }
        return Self.whole(document)
    }

    private static func whole(_ document: StatsDocument) -> ByteBuffer {
        var line = ByteBuffer()
        document.encodeJSON(into: &line, style: .compact)
        line.writeString("\n")
        return line
    }
}

/// The query of `GET /v1/watch`: `interval=MS` (100…60,000, default 1,000) and `delta=1`
/// (changes as delta lines) besides `router=`.
struct WatchQuery: Sendable, Equatable {
    /// The shortest interval a watcher may ask for.
    static let minimum = Duration.milliseconds(100)
    /// The longest.
    static let maximum = Duration.seconds(60)

    /// Time between two documents.
    var interval: Duration = .seconds(1)
    /// True when the watcher reads delta lines (`delta=1`; `delta=0` or none: whole documents).
    var deltas = false

    /// Reads `interval=` from `query`; the message names the value and what was expected.
    init(query: String?) throws(WatchQueryError) {
        guard let query else { return }
        var seen = false
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts[0] == "delta" {
                let text = parts.count == 2 ? parts[1] : ""
                guard text == "0" || text == "1" else {
                    throw WatchQueryError(message: "delta=\(text.prefix(16)) is not 0 or 1")
                }
                deltas = text == "1"
                continue
            }
            guard parts[0] == "interval" else { continue }
            guard !seen else { throw WatchQueryError(message: "interval= is given more than once") }
            seen = true
            let text = parts.count == 2 ? parts[1] : ""
            // At most 5 digits: anything longer is out of range, and never overflows.
            guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let milliseconds = Int(text) else {
                throw WatchQueryError(message: "interval=\(text.prefix(16)) is not a whole number of milliseconds (100 to 60000)")
            }
            let interval = Duration.milliseconds(milliseconds)
            guard interval >= Self.minimum, interval <= Self.maximum else {
                throw WatchQueryError(message: "interval=\(milliseconds) is out of range; expected 100 to 60000 milliseconds")
            }
            self.interval = interval
        }
    }
}

/// A `GET /v1/watch` query that cannot be served.
struct WatchQueryError: Error, Sendable, Equatable {
    /// What is wrong, naming the value.
    var message: String
}
