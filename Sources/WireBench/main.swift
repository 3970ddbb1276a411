// Decode and write throughput of the uwsgi hot-path codecs (run in release: Benchmarks/wire-decode.sh).
import NIOCore
import RouterWire

/// A browser-like request whose uwsgi packet is about 600 bytes.
let request = "GET /products/shoes?color=red&size=42 HTTP/1.1\r\nHost: shop.example.com\r\n"
    + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0\r\n"
    + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    + "Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n"
    + "Connection: keep-alive\r\nCookie: session=abc123; theme=dark\r\n\r\n"

let iterations = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 2_000_000
/// Runs only the benchmarks whose name starts with this (for instruction counts under callgrind).
let only = CommandLine.arguments.dropFirst(2).first ?? ""

func measure(_ name: String, bytesPerIteration: Int, _ body: () throws -> Int) rethrows {
    guard name.hasPrefix(only) else { return }
    let clock = ContinuousClock()
    var checksum = 0
    let elapsed = try clock.measure { checksum = try body() }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let rate = Double(iterations) / seconds
    let megabytes = rate * Double(bytesPerIteration) / 1e6
    let nanoseconds = seconds * 1e9 / Double(iterations)
    print(
        "\(name): \(Int(rate)) /s, \(Int(megabytes)) MB/s, \(Int(nanoseconds)) ns each "
            + "(\(bytesPerIteration) bytes, \(iterations) iterations, checksum \(checksum))"
    )
}

do {
    let connection = try HTTPConnectionVars(
        serverName: "router.host", serverPort: "8080", remoteAddress: "192.168.10.20", remotePort: "51544"
    )
    var parser = HTTPHeadParser()
    let input = ByteBuffer(string: request)
    var packetBytes = ByteBuffer()
    guard let head = try parser.parse(input, connection: connection, into: &packetBytes) else {
        fatalError("benchmark request is incomplete")
    }
    print("request head \(head.headLength) bytes → uwsgi packet \(packetBytes.readableBytes) bytes")

    try measure("uwsgi packet decode + HTTP_HOST lookup", bytesPerIteration: packetBytes.readableBytes) {
        var decoder = UwsgiPacketDecoder()
        var total = 0
        for _ in 0..<iterations {
            var buffer = packetBytes
            guard let packet = try decoder.decodePacket(buffer: &buffer) else { continue }
            total &+= packet.vars.count &+ (packet.value(for: "HTTP_HOST")?.count ?? 0)
        }
        return total
    }

    try measure("uwsgi packet decode + walk every var", bytesPerIteration: packetBytes.readableBytes) {
        var decoder = UwsgiPacketDecoder()
        var total = 0
        for _ in 0..<iterations {
            var buffer = packetBytes
            guard let packet = try decoder.decodePacket(buffer: &buffer) else { continue }
            for item in packet.vars { total &+= item.key.count &+ item.value.count }
        }
        return total
    }

    try measure("HTTP head → uwsgi packet writer", bytesPerIteration: head.headLength) {
        var out = ByteBuffer()
        out.reserveCapacity(4096)
        var total = 0
        for _ in 0..<iterations {
            out.clear()
            guard let result = try parser.parse(input, connection: connection, into: &out) else { continue }
            UwsgiPacketEncoder.setModifiers(modifier1: 0, modifier2: 0, packetAt: result.packetStart, in: &out)
            total &+= result.packetLength
        }
        return total
    }

    let response = ByteBuffer(
        string: "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Sun, 29 Nov 2026 01:00:00 GMT\r\n"
            + "Content-Type: text/html; charset=utf-8\r\nContent-Length: 5120\r\nConnection: keep-alive\r\n"
            + "Cache-Control: no-cache\r\n\r\n"
    )
    measure("HTTP response head scan", bytesPerIteration: response.readableBytes) {
        var total = 0
        for _ in 0..<iterations {
            total &+= HTTPResponseHead.scan(response)?.contentLength ?? 0
        }
        return total
    }
} catch {
    print("benchmark failed: \(error)")
}
