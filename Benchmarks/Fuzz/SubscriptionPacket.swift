// libFuzzer target: subscription datagrams (Benchmarks/fuzz.sh).
import NIOCore
import RouterWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSubscriptionPacket(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    guard let packet = try? SubscriptionPacket(decoding: buffer) else { return 0 }
    // An accepted packet re-encodes to a datagram that decodes to the same packet.
    var encoded = ByteBuffer()
    guard (try? packet.encode(into: &encoded)) != nil else { return 0 }
    guard let again = try? SubscriptionPacket(decoding: encoded), again == packet else {
        fatalError("subscription packet does not survive re-encoding: \(packet)")
    }
    return 0
}
