import RouterWire

/// The plain values a Fleet row's short columns are sized by, worked out when the row is built
/// (on the poller's side), so a fleet-wide measure reads one small value per row.
public struct RouterRowMeasures: Sendable, Hashable {
    /// A router's health without its payload (times, errors).
    public enum Health: Sendable, Hashable {
        /// No poll has completed yet.
        case neverPolled
        /// Fresh data.
        case ok
        /// Old data.
        case stale
        /// Never answered.
        case unreachable
        /// No longer listed by the registry.
        case gone

        /// The health of `status`.
        public init(_ status: RouterStatus) {
            switch status {
            case .neverPolled: self = .neverPolled
            case .ok: self = .ok
            case .stale: self = .stale
            case .unreachable: self = .unreachable
            case .gone: self = .gone
            }
        }
    }

    /// `kind`'s UTF-8 length, plus 1 for a real uWSGI router's `*` marker.
    public var kindLength: Int
    /// Health.
    public var health: Health
    /// Whether a document was read (the flavor is known).
    public var hasData: Bool
    /// 1 while cheap, nil when the router has no cheap key.
    public var cheap: UInt64?
    /// The operator's cheap setting.
    public var cheapMode: StatsDocument.CheapMode?
    /// Decimal digits (with minus signs) of the ready, draining or drained, and dead or
    /// expired counts of `nodesByState`.
    public var nodeDigits: Int
    /// The name's byte count when every byte is printable ASCII (its display width), else nil.
    public var asciiNameWidth: Int?
    /// The address's width as `asciiNameWidth`, nil too when the address is the name.
    public var asciiAddressWidth: Int?
    /// Whether the address differs from the name.
    public var addressDiffers: Bool
    /// Whether the router serves TLS certificates.
    public var hasCertificates: Bool

    /// The digits `nodeDigits` counts for `counts`.
    public static func nodeDigits(_ counts: [NodeDisplayState: Int]) -> Int {
        var (ready, drained, dead) = (0, 0, 0)
        for (state, count) in counts {
            switch state {
            case .ready: ready &+= count
            case .draining, .drained: drained &+= count
            case .dead, .expired: dead &+= count
            }
        }
        return digits(ready) + digits(drained) + digits(dead)
    }

    /// Characters of `value` in decimal, with its minus sign.
    public static func digits(_ value: Int) -> Int {
        var count = value < 0 ? 2 : 1
        var rest = value.magnitude
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }

    /// The byte count of `text` when it is all printable ASCII, else nil.
    static func asciiWidth(_ text: String) -> Int? {
        var count = 0
        for byte in text.utf8 {
            guard byte >= 0x20, byte < 0x7F else { return nil }
            count += 1
        }
        return count
    }
}
