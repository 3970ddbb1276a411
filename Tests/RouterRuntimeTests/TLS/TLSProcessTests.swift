import Foundation
import NIOSSL
import RouterWire
import Testing
@testable import RouterRuntime

/// A running process with an HTTPS listener: the `tls` stats, the TLS `/metrics` families and
/// `POST /v1/tls/reload`.
@Suite("TLS stats, /metrics and POST /v1/tls/reload on a running process")
struct TLSProcessTests {
    @Test("stats and /metrics carry expiry and failures by reason; an authenticated reload swaps the certificate, a broken one is reported naming the file")
    func statsMetricsAndReload() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try certificates.issue(name: "soon", subject: "/CN=localhost", extensions: "subjectAltName=DNS:localhost,IP:127.0.0.1", days: 3)
        let live = try TLSOperationsTests.liveFiles(certificates)
        let directory = certificates.directory
        let router = try await FleetRouterHarness.start(directory: directory, arguments: FleetRouterHarness.arguments(directory: directory, extra: [
            "--https", "127.0.0.1:0,\(live.certificate),\(live.key)",
            "--sni", "s.example \(certificates.otherCertificate),\(certificates.otherKey)",
        ]))
        defer { Task { await router.stop() } }
        let listeners = router.process.boundSockets.filter { $0.role == .listener }
        let httpsBound = try #require(listeners.last?.bound)
        let httpsPort = try #require(Int(httpsBound.split(separator: ":").last ?? ""))
        let original = try NIOSSLCertificate.fromPEMFile(certificates.serverCertificate)[0]
        let soon = try NIOSSLCertificate.fromPEMFile(directory + "/soon.crt")[0]
        let other = try NIOSSLCertificate.fromPEMFile(certificates.otherCertificate)[0]

        // A full suite on 2 cores once let the router's 10 s handshake deadline pass before the
        // new process answered (the test alone takes under 1 s, in a full run 38-48 s). Such a
        // connection is retried, at most twice, and every timeout is counted below, so a
        // handshake refused for any other reason still fails the test.
        var served: TestClient.Result
        var timedOut = -1
        repeat {
            timedOut += 1
            served = try await HTTPSListenerTests.exchange(
                port: httpsPort, context: try HTTPSListenerTests.clientContext(certificates, withCertificate: false), serverName: nil,
                request: "GET / HTTP/1.1\r\nHost: app.local\r\nConnection: close\r\n\r\n")
        } while served.bytes.isEmpty && timedOut < 2
        let plaintext = try await TestClient.exchange(try SocketAddressSpec(parsing: httpsBound), group: RouterHarness.group,
                                                      request: "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(served.text.hasPrefix("HTTP/1.1 "))
        #expect(plaintext.text.hasPrefix("HTTP/1.1 400"))

        let stats = try #require(try await router.stats().tls)
        let listener = try #require(stats.listeners.first)
        #expect(stats.listeners.count == 1)
        #expect(listener.name == "127.0.0.1:0" && listener.certificate == live.certificate)
        #expect(listener.expires == UInt64(original.notValidAfter))
        #expect(listener.handshakes == 1)
        #expect(listener.handshakeFailures["plaintext"] == 1 && listener.handshakeFailures["no_certificate"] == 0)
        #expect(listener.handshakeFailures["timeout"] == UInt64(timedOut))
        #expect(stats.sni.map(\.name) == ["s.example"] && stats.sni.first?.source == "--sni")
        #expect(stats.sni.first?.expires == UInt64(other.notValidAfter))

        let metrics = try await router.admin("GET", "/metrics")
        let labels = #"router="http",listener="127.0.0.1:0""#
        #expect(metrics.text.contains("fleetrouter_tls_handshakes_total{\(labels)} 1\n"), "\(metrics.text)")
        #expect(metrics.text.contains("fleetrouter_tls_handshake_failures_total{\(labels),reason=\"plaintext\"} 1\n"))
        #expect(metrics.text.contains("fleetrouter_tls_handshake_failures_total{\(labels),reason=\"timeout\"} \(timedOut)\n"))
        // Gauges are floating point in swift-metrics: whole seconds render as `N.0`.
        #expect(metrics.text.contains("fleetrouter_tls_certificate_expiry_timestamp_seconds{\(labels)} \(Double(UInt64(original.notValidAfter)))\n"))
        #expect(metrics.text.contains("fleetrouter_tls_sni_earliest_expiry_timestamp_seconds{router=\"http\"} \(Double(UInt64(other.notValidAfter)))\n"))
        #expect(metrics.text.contains("# TYPE fleetrouter_tls_reloads_total counter\n"))
        #expect(!metrics.text.contains("s.example"), "no label per SNI name")

        // The reload is an edit: without the token it is refused and nothing changes.
        let anonymous = try await router.admin("POST", "/v1/tls/reload", token: nil)
        #expect(anonymous.status == 401)
        try TLSOperationsTests.overwrite(live.certificate, with: directory + "/soon.crt")
        try TLSOperationsTests.overwrite(live.key, with: directory + "/soon.key")
        let reloaded = try await router.admin("POST", "/v1/tls/reload")
        #expect(reloaded.status == 200, "\(reloaded.text)")
        #expect(reloaded.text.contains("\"ok\":true"))
        let after = try #require(try await router.stats().tls)
        #expect(after.listeners.first?.expires == UInt64(soon.notValidAfter))
        #expect(after.reloads == 1 && after.reloadFailures == 0)

        try TLSOperationsTests.overwrite(live.key, with: certificates.otherKey)
        let broken = try await router.admin("POST", "/v1/tls/reload")
        #expect(broken.status == 500)
        #expect(broken.text.contains(live.key) && broken.text.contains("\"ok\":false"), "\(broken.text)")
        let kept = try #require(try await router.stats().tls)
        #expect(kept.listeners.first?.expires == UInt64(soon.notValidAfter))
        #expect(kept.reloads == 2 && kept.reloadFailures == 1)
        #expect(kept.lastReloadError?.contains(live.key) == true)
        let failedMetrics = try await router.admin("GET", "/metrics")
        #expect(failedMetrics.text.contains("fleetrouter_tls_reload_failures_total{router=\"http\"} 1\n"))
    }

    @Test("a process without TLS listeners answers the reload 404 and writes no TLS families")
    func noTLS() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let router = try await FleetRouterHarness.start(directory: directory, arguments: FleetRouterHarness.arguments(directory: directory))
        defer { Task { await router.stop() } }
        let reload = try await router.admin("POST", "/v1/tls/reload")
        #expect(reload.status == 404 && reload.text.contains("no TLS listener"))
        let metrics = try await router.admin("GET", "/metrics")
        #expect(!metrics.text.contains("fleetrouter_tls_"))
        #expect(try await router.stats().tls == nil)
    }
}
