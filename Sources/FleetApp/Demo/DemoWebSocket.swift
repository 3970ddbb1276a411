import Foundation
import NIOCore

/// Just enough of RFC 6455 for the demo's WebSocket echo: the handshake's accept key and
/// single-frame text, close and pong frames with payloads under 64 KiB.
enum DemoWebSocket {
    /// The GUID RFC 6455 appends to the client's key.
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`.
    static func acceptKey(for key: String) -> String {
        Data(SHA1.digest(Array((key + guid).utf8))).base64EncodedString()
    }

    /// The client's upgrade request for `key` (the routing key, sent as `Host`).
    static func upgradeRequest(host: String, path: String, key: String) -> ByteBuffer {
        ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\nUser-Agent: fleettop-demo\r\n\r\n")
    }

    /// The node's 101 answer to a handshake with `key`.
    static func switchingProtocols(key: String) -> ByteBuffer {
        ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: \(acceptKey(for: key))\r\n\r\n")
    }

    /// Frame opcodes the demo uses.
    enum Opcode: UInt8 {
        case text = 0x1
        case close = 0x8
        case ping = 0x9
        case pong = 0xA
    }

    /// One frame: its opcode and unmasked payload.
    struct Frame: Equatable {
        var opcode: UInt8
        var payload: [UInt8]
    }

    /// A final frame; masked with `mask` when given (clients must mask, servers must not).
    static func frame(_ opcode: Opcode, payload: [UInt8], mask: [UInt8]? = nil) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(0x80 | opcode.rawValue)
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        if payload.count < 126 {
            buffer.writeInteger(maskBit | UInt8(payload.count))
        } else {
            buffer.writeInteger(maskBit | 126)
            buffer.writeInteger(UInt16(min(payload.count, Int(UInt16.max))))
        }
        let body = payload.prefix(Int(UInt16.max))
        if let mask, mask.count == 4 {
            buffer.writeBytes(mask)
            buffer.writeBytes(body.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        } else {
            buffer.writeBytes(body)
        }
        return buffer
    }

    /// Takes one whole frame off the front of `buffer`, or nil until one has arrived. Frames
    /// announcing 64 KiB or more (the 8-byte length) are refused: the demo never sends them.
    static func readFrame(from buffer: inout ByteBuffer) throws(DemoWebSocketError) -> Frame? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self),
              let second = buffer.getInteger(at: start + 1, as: UInt8.self) else { return nil }
        var offset = start + 2
        var length = Int(second & 0x7F)
        if length == 127 { throw DemoWebSocketError(message: "a frame of 64 KiB or more") }
        if length == 126 {
            guard let extended = buffer.getInteger(at: offset, as: UInt16.self) else { return nil }
            length = Int(extended)
            offset += 2
        }
        var mask: [UInt8]?
        if second & 0x80 != 0 {
            guard let key = buffer.getBytes(at: offset, length: 4) else { return nil }
            mask = key
            offset += 4
        }
        guard var payload = buffer.getBytes(at: offset, length: length) else { return nil }
        if let mask { payload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } }
        buffer.moveReaderIndex(to: offset + length)
        return Frame(opcode: first & 0x0F, payload: payload)
    }
}

/// A frame the demo's WebSocket code does not handle.
struct DemoWebSocketError: Error, CustomStringConvertible {
    var message: String
    var description: String { "websocket: \(message)" }
}

/// SHA-1 (FIPS 180-4), only for the WebSocket handshake's accept key; not for security.
enum SHA1 {
    static func digest(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var padded = message
        padded.append(0x80)
        while padded.count % 64 != 56 { padded.append(0) }
        let bits = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) { padded.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: padded.count, by: 64) {
            for i in 0..<16 {
                let j = chunk + i * 4
                w[i] = UInt32(padded[j]) << 24 | UInt32(padded[j + 1]) << 16 | UInt32(padded[j + 2]) << 8 | UInt32(padded[j + 3])
            }
            for i in 16..<80 { w[i] = rotate(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1) }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32)
                switch i {
                case 0..<20: (f, k) = ((b & c) | (~b & d), 0x5A82_7999)
                case 20..<40: (f, k) = (b ^ c ^ d, 0x6ED9_EBA1)
                case 40..<60: (f, k) = ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                default: (f, k) = (b ^ c ^ d, 0xCA62_C1D6)
                }
                let temp = rotate(a, 5) &+ f &+ e &+ k &+ w[i]
                (e, d, c, b, a) = (d, c, rotate(b, 30), a, temp)
            }
            h[0] &+= a
            h[1] &+= b
            h[2] &+= c
            h[3] &+= d
            h[4] &+= e
        }
        return h.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - $0 * 8)) } }
    }

    private static func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 {
        value << count | value >> (32 - count)
    }
}
