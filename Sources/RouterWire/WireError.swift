/// Every way a byte stream can fail to be a valid uWSGI-family message. Each case names the
/// input and what was expected, so a log line built from it is actionable.
public enum WireError: Error, Sendable, Hashable {
    // MARK: uwsgi packets and var blocks
    /// A var block larger than the configured limit (the header's datasize, or the bytes seen).
    case packetTooLarge(size: Int, limit: Int)
    /// A numeric var (`CONTENT_LENGTH`) that is not plain decimal digits within `limit`.
    case invalidVarNumber(key: String, value: String, limit: Int)
    /// An item's length prefix or bytes run past the end of the var block.
    case truncatedItem(offset: Int)
    /// An item with a zero-length key (uWSGI rejects the packet).
    case emptyKey(offset: Int)
    /// The var block is shorter or longer than the header's datasize says.
    case sizeMismatch(declared: Int, actual: Int)
    /// A key or value longer than a u16 length prefix can carry, or a var block over 65535 bytes.
    case itemTooLong(key: String, length: Int)

    // MARK: subscription packets
    /// A subscription datagram over the 4096 bytes a router reads.
    case datagramTooLarge(size: Int, limit: Int)
    /// A datagram shorter than the 4-byte header.
    case datagramTooShort(size: Int)
    /// A required item (`key`, `address`) is missing.
    case missingField(String)
    /// A numeric item that is not plain unsigned ASCII decimal digits in range.
    case invalidNumber(key: String, value: String)
    /// A string item longer than uWSGI stores (key 255, address 255, notify 101).
    case fieldTooLong(key: String, length: Int, limit: Int)
    /// A string item that is not valid UTF-8 where text is required.
    case invalidText(key: String)
    /// A required string item that is present but empty (`address`).
    case emptyField(String)

    // MARK: HTTP heads
    /// The HTTP request head is malformed; `reason` says where.
    case malformedHTTP(reason: String)
    /// The HTTP request head exceeds the limit before the blank line.
    case headTooLarge(size: Int, limit: Int)
    /// The `Host` header (the routing key) is longer than a key may be.
    case hostTooLong(length: Int, limit: Int)

    // MARK: PROXY protocol
    /// The PROXY v1 line is malformed; `reason` says which part.
    case malformedProxyLine(reason: String)

    // MARK: frames
    /// A forkpty or tuntap frame is malformed; `reason` says how.
    case malformedFrame(reason: String)

    // MARK: stats documents and admin API
    /// The stats document is not JSON even after lenient repair; `reason` names the spot.
    case malformedStats(reason: String)
    /// An admin API body could not be decoded; `reason` names the field.
    case malformedAdmin(reason: String)

    // MARK: cache datagrams
    /// A uWSGI cache UDP datagram is malformed; `reason` says which part.
    case malformedCacheDatagram(reason: String)
}

extension WireError: CustomStringConvertible {
    /// A one-line human description naming the input and what was expected.
    public var description: String {
        switch self {
        case .packetTooLarge(let size, let limit): return "uwsgi packet of \(size) bytes exceeds the limit of \(limit)"
        case .invalidVarNumber(let key, let value, let limit):
            return "uwsgi var \(key) is '\(value)', expected decimal digits from 0 to \(limit)"
        case .truncatedItem(let offset): return "uwsgi var item at offset \(offset) runs past the end of the var block"
        case .emptyKey(let offset): return "uwsgi var item at offset \(offset) has an empty key"
        case .sizeMismatch(let declared, let actual): return "uwsgi header says \(declared) bytes of vars but the block has \(actual)"
        case .itemTooLong(let key, let length): return "uwsgi item '\(key)' of \(length) bytes does not fit a 16-bit length"
        case .datagramTooLarge(let size, let limit): return "subscription datagram of \(size) bytes exceeds \(limit)"
        case .datagramTooShort(let size): return "subscription datagram of \(size) bytes is shorter than its 4-byte header"
        case .missingField(let key): return "subscription packet has no '\(key)' item"
        case .invalidNumber(let key, let value): return "subscription item '\(key)' is '\(value)', expected unsigned decimal digits"
        case .fieldTooLong(let key, let length, let limit): return "subscription item '\(key)' is \(length) bytes, at most \(limit) allowed"
        case .invalidText(let key): return "item '\(key)' is not valid UTF-8 text"
        case .emptyField(let key): return "subscription item '\(key)' is empty, expected 1 to 255 bytes"
        case .malformedHTTP(let reason): return "malformed HTTP request head: \(reason)"
        case .headTooLarge(let size, let limit): return "HTTP request head of \(size) bytes exceeds \(limit)"
        case .hostTooLong(let length, let limit): return "HTTP Host header of \(length) bytes exceeds the \(limit)-byte key limit"
        case .malformedProxyLine(let reason): return "malformed PROXY protocol line: \(reason)"
        case .malformedFrame(let reason): return "malformed frame: \(reason)"
        case .malformedStats(let reason): return "malformed stats document: \(reason)"
        case .malformedAdmin(let reason): return "malformed admin API message: \(reason)"
        case .malformedCacheDatagram(let reason): return "malformed cache datagram: \(reason)"
        }
    }
}
