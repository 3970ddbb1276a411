import FleetClient
import FleetModel
import Foundation
import NIOCore
import RouterWire
import Testing
@testable import FleetApp

@Suite("Demo WebSocket framing and handshake")
struct DemoWebSocketTests {
    @Test("SHA-1 of the FIPS test vectors")
    func sha1() {
        func hex(_ text: String) -> String { SHA1.digest(Array(text.utf8)).map { String(format: "%02x", $0) }.joined() }
        #expect(hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }

    @Test("the accept key of RFC 6455's example handshake")
    func acceptKey() {
        #expect(DemoWebSocket.acceptKey(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test("a masked frame reads back whole, and not before its last byte", arguments: [5, 125, 126, 300])
    func frameRoundTrip(size: Int) throws {
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let bytes = DemoWebSocket.frame(.text, payload: payload, mask: [1, 2, 3, 4])
        var partial = ByteBuffer()
        var view = bytes
        for _ in 0..<(bytes.readableBytes - 1) {
            var byte = view.readSlice(length: 1)!
            partial.writeBuffer(&byte)
            #expect(try DemoWebSocket.readFrame(from: &partial) == nil)
        }
        var last = view.readSlice(length: 1)!
        partial.writeBuffer(&last)
        let frame = try #require(try DemoWebSocket.readFrame(from: &partial))
        #expect(frame.opcode == DemoWebSocket.Opcode.text.rawValue)
        #expect(frame.payload == payload)
        #expect(partial.readableBytes == 0)
    }
}

@Suite("Embedded demo fleet: live sessions and a node that falls silent", .serialized, .timeLimit(.minutes(1)))
struct DemoLivenessTests {
    /// Polls `router` until `done` holds for its document, at most `limit` (every 100 ms).
    static func poll(_ demo: DemoFleet, _ router: Int, limit: Duration,
                     until done: (StatsDocument) -> Bool) async throws -> StatsDocument? {
        let control = try #require(demo.control as? NIOFleetControl)
        let endpoint = demo.endpoints[router]
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        for _ in 0..<1_000 where clock.now < deadline {
            if let document = try? await control.pollOnce([endpoint])[endpoint.id]?.get(), done(document) { return document }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    static func subscribedNodes(_ document: StatsDocument) -> [StatsDocument.Node] {
        (document.subscriptions ?? []).flatMap(\.nodes)
    }

    /// The subscribed nodes neither death-marked nor dead (a silent node that still holds a
    /// session stays listed, dead, until the session ends).
    static func live(_ document: StatsDocument) -> Set<String> {
        Set(subscribedNodes(document).filter { $0.deathMark == 0 && $0.operatorFields.state != .dead }.map(\.name))
    }

    @Test("the HTTP router lists a stream and a WebSocket session whose bytes grow; the raw router a session")
    func sessions() async throws {
        let demo = try await FleetServices.demoFleet()
        var stopped = false
        defer { if !stopped { Task { await demo.stop() } } }
        let http = try #require(try await Self.poll(demo, 0, limit: .seconds(10)) { ($0.sessions ?? []).count >= 2 },
                                "the HTTP router lists two long-lived sessions within 10 s")
        let sessions = http.sessions ?? []
        #expect(sessions.contains { $0.key == "app.local" }, "the stream (app.local): \(sessions)")
        #expect(sessions.contains { $0.key == "api.local" }, "the WebSocket echo (api.local): \(sessions)")
        let before = sessions.reduce(0) { $0 + $1.tx }
        let later = try #require(try await Self.poll(demo, 0, limit: .seconds(5)) { document in
            (document.sessions ?? []).reduce(0) { $0 + $1.tx } > before
        }, "bytes to the clients grow")
        #expect((later.sessions ?? []).allSatisfy { $0.state == "relaying" || $0.state == "raw" || $0.state == "connecting" })
        let raw = try await Self.poll(demo, 2, limit: .seconds(10)) { !($0.sessions ?? []).isEmpty }
        #expect(raw != nil, "the raw router lists its session within 10 s")
        let fast = try await Self.poll(demo, 1, limit: .seconds(10)) { !($0.sessions ?? []).isEmpty }
        #expect(fast != nil, "the fast router lists its stream within 10 s")
        await demo.stop()
        stopped = true
    }

    @Test("with a short outage period a node expires from both subscription routers, then comes back")
    func outage() async throws {
        // Tolerance 1 s, announces every 200 ms, one node silent for 3 s of every 6 s.
        let options = DemoFleet.Options(tolerance: 1, announcePeriod: .milliseconds(200),
                                        outagePeriod: .seconds(6), outageLength: .seconds(3))
        let demo = try await FleetServices.demoFleet(options)
        var stopped = false
        defer { if !stopped { Task { await demo.stop() } } }
        let all = try #require(try await Self.poll(demo, 0, limit: .seconds(5)) { Self.live($0).count == 4 })
        let names = Self.live(all)

        let gone = try await Self.poll(demo, 0, limit: .seconds(15)) { Self.live($0).count < 4 }
        #expect(gone != nil, "a node stops being listed as live within 15 s")
        let missing = names.subtracting(Self.live(gone ?? all))
        #expect(missing.count == 1, "exactly one node is silent: \(missing)")

        let back = try await Self.poll(demo, 0, limit: .seconds(10)) { Self.live($0) == names }
        #expect(back != nil, "every node is listed again within 10 s")
        await demo.stop()
        stopped = true
    }
}
