import Dashboard
import FleetModel
import FleetModelTesting
import RouterWire
import TUICore
import TUICoreTesting
import Testing
import ThreadTesting

/// The TLS parts of the dashboard at 80×24 in monochrome: the Fleet screen's CERT column
/// flagging a certificate within 14 days of its expiry, and a TLS router's listeners and SNI
/// contexts on its Router screen.
@Suite("TLS on the Fleet and Router screens", .ownThread)
struct TLSScreenTests {
    static let day: UInt64 = 86_400
    static var now: UInt64 { UInt64(cannedNow.secondsSinceEpoch) }

    /// The canned fleet with the fleetrouter serving TLS: its listener's certificate expires
    /// in `listenerDays` days, one SNI context in 90 days and one from a subscription expired.
    static func tlsSnapshot(listenerDays: UInt64) -> FleetSnapshot {
        var snapshot = CannedFleets.snapshot()
        var document = CannedFleets.fleetrouterHTTP(requestsScale: 3)
        document.tls = .init(
            listeners: [.init(name: "127.0.0.1:8443", certificate: "/etc/tls/edge.crt", expires: now + listenerDays * day + 3_600,
                              handshakes: 1_234, handshakeFailures: ["timeout": 2, "plaintext": 7, "no_certificate": 0])],
            sni: [
                .init(name: "a.example", source: "--sni", certificate: "/etc/tls/a.crt", expires: now + 90 * day + 60),
                .init(name: "old.example", source: "subscription", certificate: "/srv/old.crt", expires: now - day),
            ],
            reloads: 2, reloadFailures: 1, lastReloadError: "/etc/tls/edge.key (private key) does not exist")
        snapshot.recordSuccess(document, for: CannedFleets.fleetrouterID, at: cannedNow)
        return snapshot
    }

    static func state(listenerDays: UInt64) -> DashboardState {
        cannedState(width: 80, height: 24, snapshot: tlsSnapshot(listenerDays: listenerDays), themes: [BuiltinThemes.monochrome])
    }

    @Test("Fleet screen: a router whose certificate expires within 14 days is flagged in the CERT column, bold in monochrome")
    func fleetFlag() throws {
        let backend = draw(Self.state(listenerDays: 3))
        let header = backend.line(1)
        let certificate = try #require(column(of: "CERT", row: 1, in: backend), "\(header)")
        let edge = try #require(row(containing: "edge-http", in: backend))
        // The earliest certificate of the router is the expired SNI context.
        #expect(column(of: "expired!", row: edge, in: backend) == certificate, "\(backend.line(edge))")
        let style = try #require(backend.style(x: certificate, y: edge))
        #expect(style.foreground == .default && style.background == .default)
        #expect(style.attributes.contains(.dim) || style.attributes.contains(.bold), "flagged by attribute: \(style.attributes)")
        let legacy = try #require(row(containing: "legacy-uwsgi", in: backend))
        #expect(Array(backend.line(legacy))[certificate] == "-", "a router without TLS: \(backend.line(legacy))")
        #expect(backend.lines.allSatisfy { DisplayWidth.of($0) <= 80 })
    }

    @Test("the 14-day limit: 13 days is flagged with !, 15 days is not", arguments: [(UInt64(13), "13d!"), (15, "15d")])
    func fleetLimit(days: UInt64, text: String) throws {
        var snapshot = CannedFleets.snapshot()
        var document = CannedFleets.fleetrouterHTTP(requestsScale: 3)
        document.tls = .init(listeners: [.init(name: ":443", certificate: "c", expires: Self.now + days * Self.day + 60)])
        snapshot.recordSuccess(document, for: CannedFleets.fleetrouterID, at: cannedNow)
        let backend = draw(cannedState(width: 80, height: 24, snapshot: snapshot, themes: [BuiltinThemes.monochrome]))
        let edge = try #require(row(containing: "edge-http", in: backend))
        let certificate = try #require(column(of: "CERT", row: 1, in: backend))
        #expect(column(of: text, row: edge, in: backend) == certificate, "\(backend.line(edge))")
        let plain = try #require(backend.style(x: 0, y: edge + 1))
        let cell = try #require(backend.style(x: certificate, y: edge))
        #expect((cell.attributes == plain.attributes) == (days > 14))
    }

    @Test("Router screen at 80×24: TLS listeners with expiry, handshakes and failures by reason; SNI contexts with theirs")
    func routerScreen() throws {
        var state = Self.state(listenerDays: 3)
        openRouter(CannedFleets.fleetrouterID, state: &state)
        let backend = draw(state)
        #expect(backend.line(1).contains("TLS reload failed 1×"), "\(backend.line(1))")
        let header = try #require(row(containing: "LISTENER/SNI", in: backend), "\(backend.text)")
        #expect(backend.line(header).hasPrefix("TLS"))
        #expect(backend.line(header).contains("EXPIRES") && backend.line(header).contains("LEFT") && backend.line(header).contains("FAILED HANDSHAKES"))
        let listener = backend.line(header + 1)
        #expect(listener.hasPrefix("listener") && listener.contains("127.0.0.1:8443"), "\(listener)")
        #expect(listener.contains("3d!") && listener.contains("plaintext 7 timeout 2"), "\(backend.text)")
        let expires = try #require(column(of: "EXPIRES", row: header, in: backend))
        #expect(String(Array(listener)[expires..<(expires + 10)]) == Format.date(secondsSinceEpoch: Self.now + 3 * Self.day + 3_600))
        let sni = backend.line(header + 2)
        #expect(sni.hasPrefix("sni") && sni.contains("a.example") && sni.contains("90d") && !sni.contains("90d!"), "\(sni)")
        let old = backend.line(header + 3)
        #expect(old.hasPrefix("sni sub") && old.contains("old.example") && old.contains("expired!"), "\(old)")
        // The nodes keep their table above.
        let nodes = try #require(row(containing: "STATE", in: backend))
        #expect(nodes < header)
        #expect(backend.line(nodes + 1).contains("127.0.0.1:"))
        // Monochrome: the flagged LEFT cells differ from plain text by attribute alone.
        let left = try #require(column(of: "LEFT", row: header, in: backend))
        let flagged = try #require(backend.style(x: left, y: header + 1))
        let fine = try #require(backend.style(x: left, y: header + 2))
        #expect(flagged.foreground == .default && flagged.attributes != fine.attributes)
    }

    @Test("dates: the civil date of an epoch second, bounded")
    func dates() {
        #expect(Format.date(secondsSinceEpoch: 0) == "1970-01-01")
        #expect(Format.date(secondsSinceEpoch: 951_782_400) == "2000-02-29")
        #expect(Format.date(secondsSinceEpoch: 1_795_909_900) == "2026-11-28")
        #expect(Format.date(secondsSinceEpoch: UInt64.max) == ">9999")
    }
}
