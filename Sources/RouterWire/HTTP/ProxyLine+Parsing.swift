import NIOCore

extension ProxyLine {
    /// Parses a PROXY v1 line at the start of `buffer`'s readable bytes (not consumed).
    ///
    /// - Returns: nil while the line is incomplete (fewer than 107 bytes and no CRLF yet).
    /// - Throws: `.malformedProxyLine` naming the part that is wrong.
    public static func parse(_ buffer: ByteBuffer) throws(WireError) -> ProxyLine? {
        try buffer.withUnsafeReadableBytes { (bytes) throws(WireError) -> ProxyLine? in try Self.parse(bytes) }
    }

    static func parse(_ p: UnsafeRawBufferPointer) throws(WireError) -> ProxyLine? {
        let signature: StaticString = "PROXY "
        let signatureCount = signature.utf8CodeUnitCount
        for i in 0..<min(p.count, signatureCount) where p[i] != signature.utf8Start[i] {
            throw .malformedProxyLine(reason: "does not start with 'PROXY '")
        }
        // The line ends at the first CRLF, within 107 bytes: the CR is at index 105 at the latest.
        let lastCR = Self.maximumLength - 2
        var end = -1
        var i = 0
        while i < min(p.count, lastCR + 1) {
            if p[i] == .cr {
                guard i + 1 < p.count else { return nil }
                guard p[i + 1] == .lf else { throw .malformedProxyLine(reason: "CR not followed by LF") }
                end = i
                break
            }
            if p[i] == .lf { throw .malformedProxyLine(reason: "bare LF") }
            i += 1
        }
        guard end >= 0 else {
            if p.count > lastCR {
                throw .malformedProxyLine(reason: "no CRLF within \(Self.maximumLength) bytes")
            }
            return nil
        }
        guard end >= signatureCount else { throw .malformedProxyLine(reason: "does not start with 'PROXY '") }

        // Fields after "PROXY ", separated by single spaces.
        var fields: [Range<Int>] = []
        var fieldStart = signatureCount
        for k in signatureCount...end where k == end || p[k] == .space {
            fields.append(fieldStart..<k)
            fieldStart = k + 1
            if fields.count > 5 { break }
        }
        let protocolField = fields[0]
        let length = end + 2
        if Self.equals(p, protocolField, "UNKNOWN") {
            // The receiver must ignore whatever follows UNKNOWN.
            return ProxyLine(family: .unknown, length: length)
        }
        let family: Family
        if Self.equals(p, protocolField, "TCP4") {
            family = .tcp4
        } else if Self.equals(p, protocolField, "TCP6") {
            family = .tcp6
        } else {
            throw .malformedProxyLine(reason: "protocol is not TCP4, TCP6 or UNKNOWN")
        }
        guard fields.count == 5 else {
            throw .malformedProxyLine(reason: "expected 4 fields after the protocol, found \(fields.count - 1) or more")
        }
        let source = try Self.address(p, fields[1], family: family, name: "source address")
        let destination = try Self.address(p, fields[2], family: family, name: "destination address")
        let sourcePort = try Self.port(p, fields[3], name: "source port")
        let destinationPort = try Self.port(p, fields[4], name: "destination port")
        return ProxyLine(
            family: family, sourceAddress: source, destinationAddress: destination,
            sourcePort: sourcePort, destinationPort: destinationPort, length: length
        )
    }

    private static func equals(_ p: UnsafeRawBufferPointer, _ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        return (0..<range.count).allSatisfy { p[range.lowerBound + $0] == text.utf8Start[$0] }
    }

    /// A decimal port 0...65535 of 1 to 5 digits.
    private static func port(_ p: UnsafeRawBufferPointer, _ range: Range<Int>, name: String) throws(WireError) -> UInt16 {
        guard (1...5).contains(range.count) else { throw .malformedProxyLine(reason: "\(name) is not 1 to 5 digits") }
        var value = 0
        for k in range {
            guard p[k] >= UInt8(ascii: "0") && p[k] <= UInt8(ascii: "9") else {
                throw .malformedProxyLine(reason: "\(name) is not a decimal number")
            }
            value = value * 10 + Int(p[k] - UInt8(ascii: "0"))
        }
        guard value <= Int(UInt16.max) else { throw .malformedProxyLine(reason: "\(name) exceeds 65535") }
        return UInt16(value)
    }

    private static func address(_ p: UnsafeRawBufferPointer, _ range: Range<Int>, family: Family, name: String) throws(WireError) -> String {
        let bytes = UnsafeRawBufferPointer(rebasing: p[range])
        let valid = family == .tcp4 ? Self.isIPv4(bytes) : Self.isIPv6(bytes)
        guard valid else {
            throw .malformedProxyLine(reason: "\(name) is not an \(family == .tcp4 ? "IPv4" : "IPv6") address")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Four dotted decimal octets, each 0...255 of 1 to 3 digits.
    static func isIPv4(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var octets = 0
        var digits = 0
        var value = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0 else { return false }
                octets += 1
                digits = 0
                value = 0
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                guard digits <= 3, value <= 255 else { return false }
            } else {
                return false
            }
        }
        return digits > 0 && octets == 3
    }

    /// Textual IPv6: hex groups of 1 to 4 digits separated by `:`, at most one `::`, eight groups
    /// (or fewer with `::`), optionally ending in a dotted IPv4 counting as two groups.
    static func isIPv6(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 2, bytes.count <= 45 else { return false }
        var groups = 0
        var compressed = false
        var index = 0
        let count = bytes.count
        if bytes[0] == UInt8(ascii: ":") {
            guard bytes[1] == UInt8(ascii: ":") else { return false }
            compressed = true
            index = 2
            if index == count { return true }
        }
        while index < count {
            // One group: hex digits, or a trailing dotted IPv4.
            var end = index
            while end < count && bytes[end] != UInt8(ascii: ":") { end += 1 }
            let group = UnsafeRawBufferPointer(rebasing: bytes[index..<end])
            if end == count && group.contains(UInt8(ascii: ".")) {
                guard isIPv4(group) else { return false }
                groups += 2
            } else {
                guard (1...4).contains(group.count), group.allSatisfy({ PathInfoDecoder.hexValue($0) != nil }) else { return false }
                groups += 1
            }
            guard end < count else { break }
            // `end` is a colon: either a separator or the start of `::`.
            if end + 1 < count && bytes[end + 1] == UInt8(ascii: ":") {
                guard !compressed else { return false }
                compressed = true
                index = end + 2
                if index == count { break }
            } else {
                guard end + 1 < count else { return false }
                index = end + 1
            }
        }
        return compressed ? groups <= 7 : groups == 8
    }
}
