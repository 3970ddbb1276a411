import FleetModel
import RouterWire

/// Why one router's stats could not be read, naming the router and the address tried; the
/// dashboard shows `description` in its status line.
public struct PollError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable {
        /// Nobody listens at the address (connection refused, or no such socket file).
        case refused(reason: String)
        /// The address could not be reached or resolved for another reason.
        case unreachable(reason: String)
        /// No complete answer within the per-poll bound; `connected` says whether the
        /// connection was established before time ran out.
        case timeout(seconds: Double, connected: Bool)
        /// The answer exceeded the size cap.
        case tooLarge(limit: Int)
        /// An `http://` stats server answered with a status other than 200.
        case badHTTPStatus(code: Int, reason: String)
        /// An `http://` stats server's answer was not a valid HTTP response.
        case malformedHTTP(reason: String)
        /// The connection closed before the announced body (or any byte) arrived.
        case closedEarly(received: Int, expected: Int?)
        /// The bytes arrived but are not a stats document.
        case decode(WireError)
        /// The connection failed after it was established (reset, I/O error).
        case connectionFailed(reason: String)
        /// Another `FleetControl` implementation failed with this message.
        case other(message: String)
    }

    /// The router polled.
    public var router: RouterID
    /// The address polled.
    public var address: StatsAddress
    /// What went wrong.
    public var kind: Kind

    /// Creates an error.
    public init(router: RouterID, address: StatsAddress, kind: Kind) {
        self.router = router
        self.address = address
        self.kind = kind
    }

    /// `router NAME (ADDRESS): what happened`, with a hint where the likely cause is known.
    public var description: String {
        "router \(router) (\(address)): \(problem)"
    }

    /// The problem alone, without the router and address.
    public var problem: String {
        switch kind {
        case let .refused(reason):
            return "connection refused (\(reason))"
        case let .unreachable(reason):
            return "unreachable (\(reason))"
        case let .timeout(seconds, connected):
            let limit = Self.format(seconds)
            guard connected else { return "no connection within \(limit) s" }
            if address.isHTTP { return "no complete answer within \(limit) s" }
            return "no complete answer within \(limit) s (a --stats-http server waits for a request: use http://\(address))"
        case let .tooLarge(limit):
            return "answer exceeds \(limit) bytes"
        case let .badHTTPStatus(code, reason):
            return "HTTP status \(code) \(reason), expected 200"
        case let .malformedHTTP(reason):
            return "not an HTTP response (\(reason))"
        case let .closedEarly(received, expected?):
            return "connection closed after \(received) of \(expected) body bytes"
        case let .closedEarly(received, nil):
            if received == 0 && !address.isHTTP {
                return "connection closed without data (a --stats-http server needs http://\(address))"
            }
            return "connection closed after \(received) bytes"
        case let .decode(error):
            return "not a stats document: \(error)"
        case let .connectionFailed(reason):
            return "connection failed (\(reason))"
        case let .other(message):
            return message
        }
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
