import NIOCore

/// A streamed admin answer (`GET /v1/watch`): the server writes the response head, then asks
/// `next` for a document every `interval` and writes one line per document, until the client
/// leaves or the server shuts down.
public struct AdminStream: Sendable {
    /// Time between two documents.
    public var interval: Duration
    /// The current document's bytes (one JSON value, without a newline); called off the loops.
    public var next: @Sendable () async throws -> ByteBuffer

    /// Creates a stream producing `next()` every `interval`.
    public init(interval: Duration, next: @escaping @Sendable () async throws -> ByteBuffer) {
        self.interval = interval
        self.next = next
    }
}

/// The line framing of a watch stream, as a pure value: the first document is sent whole, and
/// a document equal to the one sent before is sent as an empty line (unchanged, still alive),
/// so an idle router costs its watchers one byte per interval instead of its whole document.
struct WatchFrames: Sendable {
    private var last: ByteBuffer?

    /// The line to send for `document`: the document and a newline, or a lone newline when it
    /// has not changed since the last line.
    mutating func line(for document: ByteBuffer) -> ByteBuffer {
        if let last, last == document { return ByteBuffer(string: "\n") }
        last = document
        var line = document
        line.writeString("\n")
        return line
    }
}

/// The query of `GET /v1/watch`: `interval=MS` (100…60,000, default 1,000) besides `router=`.
struct WatchQuery: Sendable, Equatable {
    /// The shortest interval a watcher may ask for.
    static let minimum = Duration.milliseconds(100)
    /// The longest.
    static let maximum = Duration.seconds(60)

    /// Time between two documents.
    var interval: Duration = .seconds(1)

    /// Reads `interval=` from `query`; the message names the value and what was expected.
    init(query: String?) throws(WatchQueryError) {
        guard let query else { return }
        var seen = false
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
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
