import NIOCore

/// Reads the TLS ClientHello at the start of a client's bytes, far enough to learn the SNI
/// server name, so the TLS layer can choose the context before the handshake starts (and tell
/// plaintext from TLS). It only looks: the bytes are handed to the TLS library untouched.
///
/// Lengths come from the wire: every one is bounded before use and the whole hello is capped
/// (`maximumHelloSize`), so a client cannot make the parser buffer without end.
struct ClientHelloParser {
    /// The largest ClientHello accepted (handshake body bytes, across records). Real ones are
    /// under 2 KiB; post-quantum key shares add about 1.2 KiB.
    static let maximumHelloSize = 16 * 1024
    /// The longest server name accepted (a DNS name is at most 253 bytes; uWSGI keys ≤ 255).
    static let maximumServerNameLength = 255

    /// What the bytes so far are.
    enum Outcome: Equatable {
        /// A TLS record has started but the ClientHello is not complete yet.
        case needMore
        /// The first byte is not a TLS handshake record: `firstByte` tells plaintext HTTP apart.
        case notTLS(firstByte: UInt8)
        /// TLS, but not a well-formed ClientHello (why, for the log).
        case malformed(String)
        /// A complete ClientHello and its `host_name` server name, if it sent one.
        case hello(serverName: [UInt8]?)
    }

    /// Parses the bytes received so far (call again with more after `.needMore`).
    static func parse(_ bytes: ByteBuffer) -> Outcome {
        bytes.withUnsafeReadableBytes { parse(Array($0)) }
    }

    /// Parses the bytes received so far.
    static func parse(_ bytes: [UInt8]) -> Outcome {
        guard let first = bytes.first else { return .needMore }
        guard first == 0x16 else { return .notTLS(firstByte: first) }
        // Gather the handshake message across records (a hello may be split, rarely).
        var handshake: [UInt8] = []
        var offset = 0
        var helloLength: Int?
        while true {
            guard bytes.count - offset >= 5 else { return .needMore }
            guard bytes[offset] == 0x16 else { return .malformed("a record other than handshake inside the ClientHello") }
            guard bytes[offset + 1] == 3 else { return .malformed("record version \(bytes[offset + 1]).\(bytes[offset + 2])") }
            let recordLength = Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
            guard recordLength > 0, recordLength <= 16384 + 2048 else { return .malformed("record length \(recordLength)") }
            let available = min(recordLength, bytes.count - offset - 5)
            handshake.append(contentsOf: bytes[(offset + 5)..<(offset + 5 + available)])
            if helloLength == nil, handshake.count >= 4 {
                guard handshake[0] == 1 else { return .malformed("handshake message type \(handshake[0]), not ClientHello") }
                let length = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
                guard length <= maximumHelloSize else { return .malformed("ClientHello of \(length) bytes") }
                helloLength = length
            }
            if let helloLength, handshake.count >= 4 + helloLength {
                return parseHello(handshake[4..<(4 + helloLength)])
            }
            guard available == recordLength else { return .needMore }
            offset += 5 + recordLength
        }
    }

    /// Parses a ClientHello body for its server name.
    private static func parseHello(_ body: ArraySlice<UInt8>) -> Outcome {
        var reader = Reader(bytes: body)
        // legacy_version, random
        guard reader.skip(2 + 32) else { return .malformed("ClientHello too short") }
        guard let sessionIDLength = reader.uint8(), sessionIDLength <= 32, reader.skip(Int(sessionIDLength)) else {
            return .malformed("bad session id")
        }
        guard let suites = reader.uint16(), suites >= 2, suites % 2 == 0, reader.skip(Int(suites)) else {
            return .malformed("bad cipher suites")
        }
        guard let compressions = reader.uint8(), compressions >= 1, reader.skip(Int(compressions)) else {
            return .malformed("bad compression methods")
        }
        // No extensions at all is legal (and means no SNI).
        guard reader.remaining > 0 else { return .hello(serverName: nil) }
        guard let extensionsLength = reader.uint16(), Int(extensionsLength) == reader.remaining else {
            return .malformed("bad extensions length")
        }
        while reader.remaining > 0 {
            guard let type = reader.uint16(), let length = reader.uint16(), let data = reader.take(Int(length)) else {
                return .malformed("truncated extension")
            }
            guard type == 0 else { continue }
            return parseServerName(data)
        }
        return .hello(serverName: nil)
    }

    /// Parses the `server_name` extension: the first `host_name` entry.
    private static func parseServerName(_ data: ArraySlice<UInt8>) -> Outcome {
        var reader = Reader(bytes: data)
        guard let listLength = reader.uint16(), Int(listLength) == reader.remaining, listLength > 0 else {
            return .malformed("bad server_name list")
        }
        while reader.remaining > 0 {
            guard let nameType = reader.uint8(), let length = reader.uint16(), let name = reader.take(Int(length)) else {
                return .malformed("truncated server_name entry")
            }
            if nameType == 0 { return .hello(serverName: Array(name)) }
        }
        return .hello(serverName: nil)
    }

    /// A bounds-checked cursor over a slice.
    private struct Reader {
        var bytes: ArraySlice<UInt8>
        var remaining: Int { bytes.count }

        mutating func skip(_ count: Int) -> Bool { take(count) != nil }

        mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, count <= bytes.count else { return nil }
            let taken = bytes.prefix(count)
            bytes = bytes.dropFirst(count)
            return taken
        }

        mutating func uint8() -> UInt8? { take(1)?.first }

        mutating func uint16() -> UInt16? {
            guard let two = take(2) else { return nil }
            return UInt16(two[two.startIndex]) << 8 | UInt16(two[two.startIndex + 1])
        }
    }
}
