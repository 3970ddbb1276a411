/// The rule for sending a request again after its node closed without answering (README,
/// "retrying an unanswered request"): only an idempotent method whose whole request (packet
/// plus body) is at most `DataPlane.replayLimit` bytes, fully sent and fully held, and only
/// while the node has sent no response byte.
///
/// It counts; the machines keep the bytes themselves (their first-bytes buffer).
struct UnansweredRequest: Equatable {
    /// The whole request's length when it may be retried; nil once it may not.
    private(set) var expected: Int?
    /// Bytes sent (and kept) so far.
    private(set) var sent = 0

    /// A request of `length` bytes (packet plus announced body).
    init(idempotent: Bool, length: Int) {
        expected = idempotent && length <= DataPlane.replayLimit ? length : nil
    }

    /// A request that is never retried (raw relays, upgrades).
    static let never = UnansweredRequest(idempotent: false, length: 0)

    /// Whether bytes sent to the node must still be kept.
    var isKeeping: Bool { expected != nil }

    /// Counts `count` more bytes sent; returns false (and stops keeping) when they go beyond the
    /// announced length: then it is not a plain request any more.
    @discardableResult
    mutating func send(_ count: Int) -> Bool {
        guard let expected else { return false }
        let (total, overflow) = sent.addingReportingOverflow(count)
        guard !overflow, total <= expected else {
            self.expected = nil
            return false
        }
        sent = total
        return true
    }

    /// The request is sent again from its start (to a new node).
    mutating func restart() {
        sent = 0
    }

    /// The node sent a response byte: no retry from here on.
    mutating func answered() {
        expected = nil
    }

    /// The whole request was sent and is held: a close before any response byte is retried.
    var isRetryable: Bool { expected != nil && sent == expected }
}
