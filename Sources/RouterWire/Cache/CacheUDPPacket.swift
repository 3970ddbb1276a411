import NIOCore

/// One uWSGI cache UDP datagram (`--cache-udp-node` → `--cache-udp-server`): modifier1 111,
/// modifier2 10 sets an item, 11 deletes one; the body is array-encoded (`[u16 len][bytes]`
/// repeated): the key, then for a set the value and optionally the expiry as decimal
/// absolute epoch seconds (0: never).
public enum CacheUDPPacket: Sendable, Hashable {
    /// Sets (or replaces) `key`; `expires` is absolute epoch seconds, nil or 0 for never.
    case set(key: [UInt8], value: [UInt8], expires: UInt64?)
    /// Deletes `key`.
    case delete(key: [UInt8])

    /// modifier1 of every cache datagram.
    public static let modifier1: UInt8 = 111
    /// modifier2 of a set.
    public static let setCommand: UInt8 = 10
    /// modifier2 of a delete.
    public static let deleteCommand: UInt8 = 11
    /// The largest datagram (uWSGI reads at most 64 KiB).
    public static let maximumSize = 65535
    /// Digits an expiry may have (UInt64.max has 20).
    static let maximumExpiryDigits = 20

    /// The key the packet names.
    public var key: [UInt8] {
        switch self {
        case .set(let key, _, _), .delete(let key): key
        }
    }

    /// Decodes one datagram, checking what uWSGI checks (modifier1 111, datasize = length − 4,
    /// every item inside the body) and more: a key is not empty, an expiry is plain digits
    /// that fit 64 bits, no bytes follow the last item.
    public init(decoding datagram: ByteBuffer) throws(WireError) {
        var buffer = datagram
        let size = buffer.readableBytes
        guard size <= Self.maximumSize else {
            throw .malformedCacheDatagram(reason: "\(size) bytes exceed the \(Self.maximumSize)-byte limit")
        }
        guard let header = buffer.readUwsgiHeader() else {
            throw .malformedCacheDatagram(reason: "\(size) bytes, shorter than the 4-byte header")
        }
        guard header.modifier1 == Self.modifier1 else {
            throw .malformedCacheDatagram(reason: "modifier1 \(header.modifier1), expected \(Self.modifier1)")
        }
        guard Int(header.datasize) == buffer.readableBytes else {
            throw .malformedCacheDatagram(reason: "header says \(header.datasize) body bytes, the datagram has \(buffer.readableBytes)")
        }
        let key = try Self.item(&buffer, "key")
        guard !key.isEmpty else { throw .malformedCacheDatagram(reason: "empty key") }
        switch header.modifier2 {
        case Self.setCommand:
            let value = try Self.item(&buffer, "value")
            var expires: UInt64?
            if buffer.readableBytes > 0 {
                expires = try Self.expiry(try Self.item(&buffer, "expires"))
            }
            guard buffer.readableBytes == 0 else {
                throw .malformedCacheDatagram(reason: "\(buffer.readableBytes) bytes after the last item")
            }
            self = .set(key: key, value: value, expires: expires == 0 ? nil : expires)
        case Self.deleteCommand:
            guard buffer.readableBytes == 0 else {
                throw .malformedCacheDatagram(reason: "\(buffer.readableBytes) bytes after the key of a delete")
            }
            self = .delete(key: key)
        default:
            throw .malformedCacheDatagram(reason: "modifier2 \(header.modifier2), expected 10 (set) or 11 (delete)")
        }
    }

    /// The datagram as uWSGI sends it (a set always carries its expiry, 0 for never).
    /// Throws when the key, value or whole datagram do not fit their 16-bit lengths.
    public func encoded() throws(WireError) -> ByteBuffer {
        var body = ByteBuffer()
        let command: UInt8
        switch self {
        case .set(let key, let value, let expires):
            command = Self.setCommand
            try Self.write(key, "key", to: &body)
            try Self.write(value, "value", to: &body)
            try Self.write(Array(String(expires ?? 0).utf8), "expires", to: &body)
        case .delete(let key):
            command = Self.deleteCommand
            try Self.write(key, "key", to: &body)
        }
        guard let datasize = UInt16(exactly: body.readableBytes), body.readableBytes + UwsgiHeader.size <= Self.maximumSize else {
            throw .malformedCacheDatagram(reason: "\(body.readableBytes) body bytes do not fit one datagram")
        }
        var packet = ByteBuffer()
        packet.writeUwsgiHeader(UwsgiHeader(modifier1: Self.modifier1, datasize: datasize, modifier2: command))
        packet.writeBuffer(&body)
        return packet
    }

    private static func item(_ buffer: inout ByteBuffer, _ name: String) throws(WireError) -> [UInt8] {
        guard let length = buffer.readInteger(endianness: .little, as: UInt16.self) else {
            throw .malformedCacheDatagram(reason: "\(name): no 2-byte length")
        }
        guard let bytes = buffer.readBytes(length: Int(length)) else {
            throw .malformedCacheDatagram(reason: "\(name): \(length) bytes announced, \(buffer.readableBytes) left")
        }
        return bytes
    }

    private static func expiry(_ digits: [UInt8]) throws(WireError) -> UInt64 {
        guard !digits.isEmpty, digits.count <= maximumExpiryDigits else {
            throw .malformedCacheDatagram(reason: "expires: \(digits.count) digits, expected 1 to \(maximumExpiryDigits)")
        }
        var value: UInt64 = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                throw .malformedCacheDatagram(reason: "expires: not decimal digits")
            }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw .malformedCacheDatagram(reason: "expires: does not fit 64 bits") }
            value = sum
        }
        return value
    }

    private static func write(_ bytes: [UInt8], _ name: String, to buffer: inout ByteBuffer) throws(WireError) {
        guard let length = UInt16(exactly: bytes.count) else {
            throw .malformedCacheDatagram(reason: "\(name) of \(bytes.count) bytes does not fit a 16-bit length")
        }
        buffer.writeInteger(length, endianness: .little)
        buffer.writeBytes(bytes)
    }
}
