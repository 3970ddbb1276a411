import FleetClient
import FleetModel
import Foundation
import NIOCore
import RouterCoreTesting
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

extension EmbeddedDemoSuites {
@Suite("Embedded demo fleet: live sessions and a node that falls silent", .serialized, .timeLimit(.minutes(Slowdown.factor)))
struct DemoLivenessTests {
    /// Polls `router` until `done` holds for its document, at most `limit` (every 100 ms).
    static func poll(_ demo: DemoFleet, _ router: Int, limit: Duration,
                     until done: (StatsDocument) -> Bool) async throws -> StatsDocument? {
        let control = try #require(demo.control as? NIOFleetControl)
        let endpoint = demo.endpoints[router]
        let clock = ContinuousClock()
        // The limit bounds the wait, it is not what the tests assert: a sanitizer stretches it.
        let deadline = clock.now + Slowdown.scaled(limit)
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

    @Test("the HTTP router lists a stream and a WebSocket session whose age and bytes grow; the fast and raw routers a session each",
          .timeLimit(.minutes(Slowdown.factor)))
    func sessions() async throws {
        try await DemoFleet.withEmbedded { try await Self.checkSessions($0) }
    }

    /// The routers of `demo` list its long-lived sessions, with ages and bytes moving.
    ///
    /// A function rather than a closure: with Swift 6.3.1, inside a closure, a closure literal
    /// written in a `#require(…)` or `#expect(…)` argument takes the place of the closure literals
    /// after it (a later poll ran the earlier poll's predicate). These checks are a function,
    /// and keep their polls' predicates out of macro arguments, so each poll runs its own.
    static func checkSessions(_ demo: DemoFleet) async throws {
        let both = try await poll(demo, 0, limit: .seconds(10)) { document in
            Set((document.sessions ?? []).map(\.key)).isSuperset(of: ["app.local", "api.local"])
        }
        let first = try #require(both, "the HTTP router lists the stream (app.local) and the WebSocket echo (api.local) within 10 s")
        let sessions = first.sessions ?? []
        #expect(Set(sessions.map(\.key)).isSuperset(of: ["app.local", "api.local"]), "\(sessions)")
        // The client is written as host:port, not NIO's `[IPv4]127.0.0.1/127.0.0.1:port`.
        for session in sessions {
            #expect(session.client.wholeMatch(of: /127\.0\.0\.1:[1-9][0-9]*/) != nil, "client \(session.client)")
        }
        // A long-lived session (the same client) is listed again, older and with more bytes
        // sent to it. Both last 20 s, so at least one of them outlives the next few polls. The
        // limit, like the others here, only bounds the wait: in one clean-clone run no poll
        // within 5 s saw it (a poll that times out at 2 s is retried).
        let longLived = sessions.filter { ["app.local", "api.local"].contains($0.key) }
        let later = try await poll(demo, 0, limit: .seconds(10)) { document in
            grown(longLived, in: document)
        }
        #expect(later != nil, "a long-lived session's age and bytes grow within 10 s: \(longLived)")
        let grew = later.map { grown(longLived, in: $0) } ?? false
        #expect(grew, "the document the poll returned shows the growth")

        let fast = try await poll(demo, 1, limit: .seconds(10)) { !($0.sessions ?? []).isEmpty }
        let fastSessions = fast?.sessions ?? []
        #expect(!fastSessions.isEmpty, "the fast router lists its stream within 10 s")
        let raw = try await poll(demo, 2, limit: .seconds(10)) { !($0.sessions ?? []).isEmpty }
        let rawSessions = raw?.sessions ?? []
        #expect(!rawSessions.isEmpty, "the raw router lists its session within 10 s")
    }

    /// True when one of `sessions` (by client) is listed in `document` with a greater age and more bytes sent.
    static func grown(_ sessions: [StatsDocument.Session], in document: StatsDocument) -> Bool {
        (document.sessions ?? []).contains { now in
            sessions.contains { $0.client == now.client && now.age > $0.age && now.tx > $0.tx }
        }
    }

    @Test("with a short outage period a node expires from both subscription routers, then comes back",
          .timeLimit(.minutes(Slowdown.factor)))
    func outage() async throws {
        // Tolerance 1 s, announces every 200 ms, one node silent for 3 s of every 6 s.
        let options = DemoFleet.Options(tolerance: 1, announcePeriod: .milliseconds(200),
                                        outagePeriod: .seconds(6), outageLength: .seconds(3))
        try await DemoFleet.withEmbedded(options) { try await Self.checkOutage($0) }
    }

    /// A node of `demo` goes unlisted as live, then every node is live again.
    static func checkOutage(_ demo: DemoFleet) async throws {
        let first = try await poll(demo, 0, limit: .seconds(5)) { live($0).count == 4 }
        let all = try #require(first, "all four nodes are live within 5 s")
        let names = live(all)
        #expect(names.count == 4)

        let gone = try await poll(demo, 0, limit: .seconds(15)) { live($0).count < 4 }
        let liveWhileGone = gone.map(live)?.count ?? 4
        #expect(liveWhileGone < 4, "a node stops being listed as live within 15 s")
        let missing = names.subtracting(live(gone ?? all))
        #expect(missing.count == 1, "exactly one node is silent: \(missing)")

        let back = try await poll(demo, 0, limit: .seconds(10)) { live($0) == names }
        let liveAgain = back.map(live) ?? []
        #expect(liveAgain == names, "every node is listed again within 10 s")
    }

    @Test("stop closes every connection at once, long-lived sessions included, and returns within its limit",
          .timeLimit(.minutes(Slowdown.factor)))
    func stopIsBounded() async throws {
        let demo = try await FleetServices.demoFleet(.underTest)
        // Wait (bounded) until the long-lived sessions are open, so stop has streams to cut.
        let open: StatsDocument?
        do {
            open = try await Self.poll(demo, 0, limit: .seconds(10)) { ($0.sessions ?? []).count >= 2 }
        } catch {
            await demo.stop()
            throw error
        }
        let clock = ContinuousClock()
        let started = clock.now
        await demo.stop()
        let took = clock.now - started
        #expect(open != nil, "the HTTP router listed its long-lived sessions before stop")
        // The streams have up to 20 s left and the WebSocket 20 messages: stop does not wait for
        // them. The bound is what this test asserts, so only a sanitizer's slowdown stretches it.
        let limit = Slowdown.scaled(.seconds(5))
        #expect(took < limit, "stop took \(took) (limit \(limit))")
        let control = try #require(demo.control as? NIOFleetControl)
        let after = await control.pollOnce(demo.endpoints, timeout: .seconds(1))
        for endpoint in demo.endpoints {
            #expect((try? after[endpoint.id]?.get()) == nil, "\(endpoint.name) still answers after stop")
        }
    }
}
}
