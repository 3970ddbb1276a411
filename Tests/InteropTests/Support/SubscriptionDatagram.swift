import Glibc
import NIOCore
import RouterWire

/// Subscription datagrams as a node (or an attacker) sends them: well-formed ones through
/// RouterWire's encoder, malformed ones byte by byte, to a UDP `ip:port` or a unix datagram path.
enum SubscriptionDatagram {
    /// A well-formed subscribe (or unsubscribe) packet from RouterWire's encoder.
    static func encoded(_ packet: SubscriptionPacket) throws -> [UInt8] {
        let buffer = try packet.encoded()
        return Array(buffer.readableBytesView)
    }

    /// A packet built from raw items, `[u16le len][key][u16le len][value]` each, behind the
    /// 4-byte header (modifier1 224, datasize = body length unless given, `command`). Nothing
    /// is validated: this is how the tests build what the encoder refuses to.
    static func raw(items: [(String, [UInt8])], command: UInt8 = 0, datasize: UInt16? = nil) -> [UInt8] {
        var body: [UInt8] = []
        for (key, value) in items {
            let keyBytes = Array(key.utf8)
            body += [UInt8(keyBytes.count & 0xFF), UInt8(keyBytes.count >> 8 & 0xFF)] + keyBytes
            body += [UInt8(value.count & 0xFF), UInt8(value.count >> 8 & 0xFF)] + value
        }
        let size = datasize ?? UInt16(truncatingIfNeeded: body.count)
        return [224, UInt8(size & 0xFF), UInt8(size >> 8), command] + body
    }

    /// Sends one datagram to `server` (UDP for `ip:port`, unix datagram for a path).
    static func send(_ bytes: [UInt8], to server: Endpoint) throws {
        let address = try SocketAddress(server)
        let descriptor = socket(address.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError.system("socket", server, errno: errno) }
        defer { close(descriptor) }
        let sent = address.withSockaddr { pointer, length in
            bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, pointer, length) }
        }
        guard sent == bytes.count else {
            throw SocketError.system("sendto (\(bytes.count) bytes)", server, errno: errno)
        }
    }
}
