// libFuzzer target: uwsgi packets, framed from a stream and decoded whole (Benchmarks/fuzz.sh).
import NIOCore
import RouterWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUwsgiPacket(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))

    // Stream framing: every decoded packet consumes bytes, so the loop ends.
    var stream = buffer
    var decoder = UwsgiPacketDecoder()
    while let packet = try? decoder.decodePacket(buffer: &stream) {
        _ = try? packet.vars.contentLength()
        _ = packet.vars.routingKey()
        for item in packet.vars { _ = item.key.count &+ item.value.count }
    }

    // Whole-packet decoding, as the fast router does with a complete var block.
    if let packet = try? UwsgiPacket(decoding: buffer) {
        _ = packet.string(for: "HTTP_HOST")
        _ = try? packet.vars.contentLength()
    }
    return 0
}
