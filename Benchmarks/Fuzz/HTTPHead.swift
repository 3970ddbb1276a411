// libFuzzer target: HTTP request heads turned into uwsgi packets (Benchmarks/fuzz.sh).
import NIOCore
import RouterWire

let connection = try! HTTPConnectionVars(
    serverName: "fuzz", serverPort: "8080", remoteAddress: "127.0.0.1", remotePort: "40000",
    extraVars: [("FUZZ", "1")])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPHead(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    var parser = HTTPHeadParser()
    var out = ByteBuffer()
    guard let head = try? parser.parse(input, connection: connection, into: &out) else {
        // Nothing may be written when there is no head or the head is refused.
        guard out.readableBytes == 0 else { fatalError("refused head left \(out.readableBytes) bytes") }
        return 0
    }
    guard head.headLength <= size else { fatalError("head length \(head.headLength) beyond \(size) input bytes") }
    _ = head.hostString(in: input)
    _ = head.method(in: input)
    _ = head.uri(in: input)
    // What the parser writes is always one well-formed uwsgi packet.
    guard let packet = try? UwsgiPacket(decoding: out) else {
        fatalError("HTTP head produced a malformed uwsgi packet")
    }
    _ = try? packet.vars.contentLength()

    // The same head fed in two pieces gives the same packet.
    let cut = size / 2
    var split = HTTPHeadParser()
    var first = ByteBuffer()
    if let early = try? split.parse(input.getSlice(at: 0, length: cut)!, connection: connection, into: &first) {
        _ = early
        return 0
    }
    var second = ByteBuffer()
    let again = try? split.parse(input, searched: cut, connection: connection, into: &second)
    guard again?.headLength == head.headLength, second == out else {
        fatalError("HTTP head parsed differently when fed in two pieces")
    }
    return 0
}
