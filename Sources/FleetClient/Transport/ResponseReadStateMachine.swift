import NIOCore

/// Collects one answer from a stream connection, without any I/O: either every byte until
/// the peer closes (raw stats servers), or an HTTP/1.x response framed by `Content-Length` or
/// by the close (`--stats-http` servers answer HTTP/1.0 without a length). Enforces the size
/// cap on the head and the body.
struct ResponseReadStateMachine {
    /// How the answer is framed.
    enum Framing: Sendable, Hashable {
        /// Everything until the peer closes.
        case untilClose
        /// An HTTP/1.x response.
        case http
    }

    /// A complete answer.
    struct Response: Sendable {
        /// The HTTP head, nil for `untilClose`.
        var head: HTTPResponseHead?
        /// The body (everything, for `untilClose`).
        var body: ByteBuffer
    }

    /// What the caller should do after feeding bytes.
    enum Action {
        /// Keep reading.
        case needMore
        /// The answer is complete; close the connection.
        case complete(Response)
    }

    /// Why no answer could be read.
    enum Failure: Error, Sendable, Hashable {
        /// More than `limit` bytes.
        case tooLarge(limit: Int)
        /// The HTTP head is malformed.
        case malformedHTTP(reason: String)
        /// Closed before the answer was complete.
        case closedEarly(received: Int, expected: Int?)
    }

    private enum State {
        case readingHead
        case readingBody(HTTPResponseHead, expected: Int?)
        case done
    }

    /// The longest HTTP head accepted.
    static let headLimit = 64 * 1024

    let framing: Framing
    let limit: Int
    private var state = State.readingHead
    private var buffer: ByteBuffer

    /// Creates a reader for one answer of at most `limit` bytes.
    init(framing: Framing, limit: Int) {
        self.framing = framing
        self.limit = limit
        self.buffer = ByteBuffer()
    }

    /// The most bytes held at once: the limit, plus room for an HTTP head (saturating, for a
    /// limit near `Int.max`).
    private var ceiling: Int {
        let (sum, overflow) = limit.addingReportingOverflow(framing == .http ? Self.headLimit : 0)
        return overflow ? Int.max : sum
    }

    /// How many bytes the next in-place read (`received(atMost:_:)`) may bring at most: what
    /// the ceiling still allows plus one, the byte that proves an answer too large; 0 once the
    /// answer is decided.
    var readAllowance: Int {
        guard !isDone else { return 0 }
        let (allowance, overflow) = max(0, ceiling - buffer.readableBytes).addingReportingOverflow(1)
        return overflow ? Int.max : allowance
    }

    /// Feeds received bytes.
    mutating func received(_ bytes: ByteBuffer) throws(Failure) -> Action {
        guard !isDone else { return .needMore }
        if bytes.readableBytes > ceiling - buffer.readableBytes {
            state = .done
            throw .tooLarge(limit: limit)
        }
        if buffer.readableBytes == 0 {
            // The whole answer usually arrives in one read: keep that buffer instead of copying it.
            buffer = bytes
        } else {
            var bytes = bytes
            buffer.writeBuffer(&bytes)
        }
        return try check()
    }

    /// Feeds bytes read straight into the answer's buffer, with no copy: `fill` is given room
    /// for at most `maximum` bytes (and never more than `readAllowance`) and returns how many
    /// it wrote there (0, or less, when it read none: nothing changes then). For a reader
    /// that owns the socket; the bytes are checked as `received(_:)` checks them.
    mutating func received(atMost maximum: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) throws(Failure) -> Action {
        let room = min(maximum, readAllowance)
        guard room > 0 else { return .needMore }
        let written = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: room) { free in
            min(max(fill(UnsafeMutableRawBufferPointer(rebasing: free.prefix(room))), 0), room)
        }
        guard written > 0 else { return .needMore }
        if buffer.readableBytes > ceiling {
            state = .done
            throw .tooLarge(limit: limit)
        }
        return try check()
    }

    /// Checks the answer after bytes were added.
    private mutating func check() throws(Failure) -> Action {
        switch (framing, state) {
        case (.untilClose, _):
            guard buffer.readableBytes <= limit else {
                state = .done
                throw .tooLarge(limit: limit)
            }
            return .needMore
        case (.http, .readingHead):
            return try readHead()
        case (.http, .readingBody(let head, let expected)):
            return try checkBody(head: head, expected: expected)
        case (.http, .done):
            return .needMore
        }
    }

    /// The peer closed: returns the answer if it is complete.
    mutating func closed() throws(Failure) -> Response {
        let current = state
        state = .done
        switch (framing, current) {
        case (_, .done):
            throw .closedEarly(received: buffer.readableBytes, expected: nil)
        case (.untilClose, _):
            guard buffer.readableBytes > 0 else { throw .closedEarly(received: 0, expected: nil) }
            return Response(head: nil, body: buffer)
        case (.http, .readingHead):
            if buffer.readableBytes == 0 { throw .closedEarly(received: 0, expected: nil) }
            throw .malformedHTTP(reason: "closed inside the response head after \(buffer.readableBytes) bytes")
        case (.http, .readingBody(let head, let expected)):
            if let expected, buffer.readableBytes < expected {
                throw .closedEarly(received: buffer.readableBytes, expected: expected)
            }
            return Response(head: head, body: buffer)
        }
    }

    private var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    private mutating func readHead() throws(Failure) -> Action {
        let view = buffer.readableBytesView
        if let first = view.first, first != UInt8(ascii: "H") {
            state = .done
            let hint = first == UInt8(ascii: "{") ? " (a raw stats document: drop http:// from the address)" : ""
            throw .malformedHTTP(reason: "answer does not start with HTTP/1.x\(hint)")
        }
        guard let (headEnd, bodyStart) = Self.findBlankLine(in: view) else {
            if buffer.readableBytes > Self.headLimit {
                state = .done
                throw .malformedHTTP(reason: "response head exceeds \(Self.headLimit) bytes")
            }
            return .needMore
        }
        let head: HTTPResponseHead
        do {
            head = try HTTPResponseHead.parse(view[view.startIndex..<headEnd])
        } catch {
            state = .done
            throw .malformedHTTP(reason: error.reason)
        }
        buffer.moveReaderIndex(forwardBy: bodyStart - view.startIndex)
        var expected: Int?
        if let text = head.value(of: "content-length") {
            guard let length = Int(text.trimmingSpaces), length >= 0 else {
                state = .done
                throw .malformedHTTP(reason: "Content-Length '\(text.prefix(20))' is not a number")
            }
            expected = length
        }
        if head.value(of: "transfer-encoding").map({ $0.lowercased() != "identity" }) ?? false {
            state = .done
            throw .malformedHTTP(reason: "Transfer-Encoding \(head.value(of: "transfer-encoding") ?? "") is not supported")
        }
        state = .readingBody(head, expected: expected)
        return try checkBody(head: head, expected: expected)
    }

    private mutating func checkBody(head: HTTPResponseHead, expected: Int?) throws(Failure) -> Action {
        if let expected, expected > limit {
            state = .done
            throw .tooLarge(limit: limit)
        }
        guard buffer.readableBytes <= limit else {
            state = .done
            throw .tooLarge(limit: limit)
        }
        if let expected, buffer.readableBytes >= expected {
            state = .done
            // Bytes past the announced length (a confused server) are not part of the answer.
            let body = buffer.getSlice(at: buffer.readerIndex, length: expected) ?? buffer
            return .complete(Response(head: head, body: body))
        }
        return .needMore
    }

    /// The index where the head ends and where the body starts (after CRLFCRLF or LFLF).
    private static func findBlankLine(in view: ByteBufferView) -> (Int, Int)? {
        var index = view.startIndex
        let newline = UInt8(ascii: "\n")
        while let found = view[index...].firstIndex(of: newline) {
            let next = view.index(after: found)
            if next < view.endIndex, view[next] == newline { return (found, next + 1) }
            if next + 1 < view.endIndex, view[next] == UInt8(ascii: "\r"), view[next + 1] == newline {
                return (found, next + 2)
            }
            index = next
            if index >= view.endIndex { break }
        }
        return nil
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: SubSequence {
        guard let first = firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = lastIndex(where: { $0 != " " && $0 != "\t" }) else { return self[endIndex...] }
        return self[first...last]
    }
}
