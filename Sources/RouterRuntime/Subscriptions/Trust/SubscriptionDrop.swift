/// Why a subscription datagram was dropped by the trust checks or the table's limits, counted
/// per reason in `/metrics` (`fleetrouter_subscription_datagrams_dropped_total{reason=…}`).
public enum SubscriptionDropReason: String, Sendable, Hashable, CaseIterable {
    /// The sender's address is outside every `--subscription-allow` range.
    case source
    /// The announced node address is outside every `--subscription-allow-node` entry.
    case nodeAddress = "node_address"
    /// Signing is required and the packet carries no `sign` item (or no `unix` stamp).
    case unsigned
    /// The signature does not verify with the key's public key, or there is no public key.
    case badSignature = "bad_signature"
    /// The `unix` stamp is outside the tolerance (`--subscriptions-sign-check-tolerance`).
    case staleStamp = "stale_stamp"
    /// The `unix` stamp is not newer than the last one accepted for the node.
    case replayed
    /// `--subscriptions-credentials-check` refused the sender.
    case credentials
    /// A new key over `--subscription-max-keys`.
    case keyLimit = "key_limit"
    /// A new node over `--subscription-max-nodes-per-key`.
    case nodeLimit = "node_limit"
}

/// A datagram refused by the subscription trust checks: counted under `reason`, logged
/// (rate-limited) with `detail`.
public struct SubscriptionDropped: Error, Sendable, Hashable, CustomStringConvertible {
    /// The counted reason.
    public var reason: SubscriptionDropReason
    /// What exactly was wrong, for the log.
    public var detail: String

    /// Creates a drop.
    public init(_ reason: SubscriptionDropReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// `reason: detail`.
    public var description: String { "\(reason.rawValue): \(detail)" }
}
