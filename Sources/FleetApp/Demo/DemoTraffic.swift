import NIOCore
import RouterWire

/// The demo fleet's light load: every quarter second a few requests per key through the HTTP
/// router and the fast router, and now and then a raw transfer, so rates and sparklines move.
/// The mix comes from a fixed-seed generator, so it varies but never changes between runs.
struct DemoTraffic: Sendable {
    /// `host:port` of the routers' client listeners.
    var http: (host: String, port: Int)
    var fastrouter: (host: String, port: Int)
    var rawrouter: (host: String, port: Int)
    /// The subscription keys requests are sent for.
    var keys: [String]
    var group: any EventLoopGroup
    /// Where every request's connection is tracked, so the demo's stop closes them all.
    var channels: DemoChannels

    /// The routers the demo loads, each by its own loop.
    enum Lane: UInt64, CaseIterable {
        case http, fastrouter, rawrouter
    }

    /// Sends traffic until the task is cancelled: one loop per router, so a router that stops
    /// accepting (cheap mode on, say) slows only its own traffic, never its neighbours'.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for lane in Lane.allCases {
                group.addTask { await self.run(lane) }
            }
        }
    }

    private func run(_ lane: Lane) async {
        var random = SplitMix64(seed: 0x5EED_F1EE_7709 &+ lane.rawValue)
        var round: UInt64 = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            if Task.isCancelled { return }
            round += 1
            // A slow wave per key on top of the noise, so each sparkline has its own shape.
            var requests: [(host: String, port: Int, request: ByteBuffer)] = []
            switch lane {
            case .http, .fastrouter:
                for (index, key) in keys.enumerated() {
                    let wave = (round / 8 + UInt64(index) * 3) % 4
                    if lane == .http {
                        for _ in 0..<(random.next() % 2 + wave / 2) {
                            requests.append((http.host, http.port, Self.httpRequest(key: key)))
                        }
                    } else {
                        for _ in 0..<(random.next() % 2 + (3 - wave) / 2) {
                            requests.append((fastrouter.host, fastrouter.port, Self.uwsgiRequest(key: key)))
                        }
                    }
                }
            case .rawrouter:
                if random.next() % 3 == 0 {
                    requests.append((rawrouter.host, rawrouter.port, Self.rawTransfer(size: Int(512 + random.next() % 4096))))
                }
            }
            await withTaskGroup(of: Void.self) { group in
                for (host, port, request) in requests {
                    group.addTask {
                        _ = await DemoExchange.run(host: host, port: port, request: request, timeout: .seconds(2),
                                                   group: self.group, channels: self.channels)
                    }
                }
            }
        }
    }

    static func httpRequest(key: String) -> ByteBuffer {
        ByteBuffer(string: "GET /demo HTTP/1.1\r\nHost: \(key)\r\nUser-Agent: fleettop-demo\r\nConnection: close\r\n\r\n")
    }

    static func uwsgiRequest(key: String, path: String = "/demo") -> ByteBuffer {
        var buffer = ByteBuffer()
        let vars = [
            ("REQUEST_METHOD", "GET"), ("REQUEST_URI", path), ("PATH_INFO", path), ("QUERY_STRING", ""),
            ("SERVER_PROTOCOL", "HTTP/1.1"), ("SERVER_NAME", key), ("SERVER_PORT", "80"), ("HTTP_HOST", key),
        ]
        // Short fixed vars always fit a packet; a failure would only mean one request fewer.
        if let packet = try? UwsgiPacket(vars: vars) { UwsgiPacketEncoder.write(packet, into: &buffer) }
        return buffer
    }

    /// `size` bytes of text ending in the newline the echo node closes after.
    static func rawTransfer(size: Int) -> ByteBuffer {
        ByteBuffer(string: String(repeating: "r", count: max(size - 1, 0)) + "\n")
    }
}

/// SplitMix64: a tiny deterministic generator for the demo's traffic mix.
struct SplitMix64: Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
