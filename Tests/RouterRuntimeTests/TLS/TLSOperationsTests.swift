import Foundation
import NIOCore
import NIOSSL
import RouterConfig
import RouterWire
import Synchronization
import Testing
@testable import RouterRuntime

/// A clock the tests move by hand (context renewals follow it).
final class ManualDeadline: Sendable {
    private let value = Mutex(NIODeadline.uptimeNanoseconds(1_000_000_000))
    var now: NIODeadline { value.withLock { $0 } }
    func advance(_ amount: TimeAmount) { value.withLock { $0 = $0 + amount } }
}

@Suite("TLS operations: failure reasons, reloads, session renewal, the tls stats")
struct TLSOperationsTests {
    @Test("handshake errors are sorted by BoringSSL's reason codes", arguments: [
        ("handshakeFailed(NIOSSL.BoringSSLError.sslError([Error: 268435644 error:100000bc:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE]))", TLSFailureReason.noCertificate),
        ("handshakeFailed(sslError([error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED]))", .badCertificate),
        ("handshakeFailed(sslError([error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER]))", .protocol),
        ("handshakeFailed(sslError([error:1000042e:SSL routines:OPENSSL_internal:TLSV1_ALERT_PROTOCOL_VERSION]))", .protocol),
        ("uncleanShutdown", .aborted),
        ("read(descriptor:pointer:size:): Connection reset by peer (errno: 104)", .aborted),
    ])
    func classification(text: String, reason: TLSFailureReason) {
        #expect(TLSFailureReason.classify(handshakeError: text) == reason)
        #expect(TLSFailureReason(.handshakeFailed(text)) == reason)
    }

    @Test("every refusal but a stop is counted under its reason; the reasons are a fixed set")
    func counters() {
        let counters = TLSCounters()
        counters.record(.plaintext)
        counters.record(.malformedHello("x"))
        counters.record(.badServerName("x"))
        counters.record(.handshakeTimeout)
        counters.record(.noFirstBytes)
        counters.record(.handshakeFailed("PEER_DID_NOT_RETURN_A_CERTIFICATE"))
        counters.record(.stopped)
        #expect(counters[.plaintext] == 1 && counters[.malformedHello] == 1 && counters[.badServerName] == 1)
        #expect(counters[.timeout] == 2 && counters[.noCertificate] == 1 && counters[.badCertificate] == 0)
        #expect(counters.refused == 6)
        #expect(counters.byReason.map(\.reason.rawValue) == [
            "no_certificate", "bad_certificate", "protocol", "timeout", "plaintext", "malformed_hello", "bad_server_name", "aborted",
        ])
    }

    /// A copy of the test certificates under names a test may overwrite.
    static func liveFiles(_ certificates: TestCertificates) throws -> (certificate: String, key: String) {
        let certificate = certificates.directory + "/live.crt"
        let key = certificates.directory + "/live.key"
        try? FileManager.default.removeItem(atPath: certificate)
        try? FileManager.default.removeItem(atPath: key)
        try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: certificate)
        try FileManager.default.copyItem(atPath: certificates.serverKey, toPath: key)
        return (certificate, key)
    }

    /// Replaces `path` with `source`'s contents.
    static func overwrite(_ path: String, with source: String) throws {
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: source, toPath: path)
    }

    @Test("a reload reads the files again and swaps the context; a bad file keeps the old one and is named")
    func storeReload() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try certificates.issue(name: "soon", subject: "/CN=localhost", extensions: "subjectAltName=DNS:localhost", days: 3)
        let live = try Self.liveFiles(certificates)
        let material = try TLSContextMaterial(certificateFile: live.certificate, keyFile: live.key, ciphers: nil, clientCAFile: nil)
        let store = try TLSContextStore(material: material, alpn: ["http/1.1"], registry: nil)
        let before = store.listenerContext
        let oldExpiry = store.material.expiry
        try Self.overwrite(live.certificate, with: certificates.directory + "/soon.crt")
        try Self.overwrite(live.key, with: certificates.directory + "/soon.key")
        try store.reload()
        #expect(store.listenerContext !== before)
        #expect(store.material.expiry < oldExpiry)
        let reloaded = store.listenerContext
        // A key that is not the certificate's: the reload is refused naming the key file.
        try Self.overwrite(live.key, with: certificates.otherKey)
        let error = #expect(throws: TLSMaterialError.self) { try store.reload() }
        #expect(error?.file == live.key)
        #expect(store.listenerContext === reloaded)
        // A missing certificate: named too.
        try FileManager.default.removeItem(atPath: live.certificate)
        let missing = #expect(throws: TLSMaterialError.self) { try store.reload() }
        #expect(missing?.description.contains(live.certificate) == true)
        #expect(store.listenerContext === reloaded)
    }

    @Test("--ssl-sessions-timeout renews the contexts (session cache and ticket keys) once the timeout passes, not before")
    func sessionRenewal() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let registry = SNIRegistry(directory: nil, directoryCiphers: nil, dotsplit: false, logger: RouterHarness.quietLogger)
        try registry.addStatic("a.example \(certificates.otherCertificate),\(certificates.otherKey)")
        let material = try TLSContextMaterial(certificateFile: certificates.serverCertificate, keyFile: certificates.serverKey,
                                              ciphers: nil, clientCAFile: nil)
        let clock = ManualDeadline()
        let store = try TLSContextStore(material: material, alpn: [], registry: registry, sessionTimeout: .seconds(300),
                                        now: { clock.now })
        let first = store.listenerContext
        let firstSNI = store.context(for: "a.example")
        clock.advance(.seconds(299))
        #expect(store.listenerContext === first)
        #expect(store.context(for: "a.example") === firstSNI)
        clock.advance(.seconds(1))
        let second = store.listenerContext
        #expect(second !== first)
        #expect(store.context(for: "a.example") !== firstSNI)
        #expect(store.listenerContext === second)
        // Without a timeout nothing is renewed.
        let steady = try TLSContextStore(material: material, alpn: [], registry: nil, now: { clock.now })
        let kept = steady.listenerContext
        clock.advance(.hours(24 * 365))
        #expect(steady.listenerContext === kept)
    }

    @Test("the router's reload covers listeners and --sni files, counts and reports failures naming the file; --sni-dir names load afresh")
    func routerReload() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try certificates.issue(name: "soon", subject: "/CN=localhost", extensions: "subjectAltName=DNS:localhost", days: 3)
        let live = try Self.liveFiles(certificates)
        let sniCertificate = certificates.directory + "/sni.crt"
        let sniKey = certificates.directory + "/sni.key"
        try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: sniCertificate)
        try FileManager.default.copyItem(atPath: certificates.serverKey, toPath: sniKey)
        let sniDirectory = certificates.directory + "/dir"
        try FileManager.default.createDirectory(atPath: sniDirectory, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: sniDirectory + "/d.example.crt")
        try FileManager.default.copyItem(atPath: certificates.serverKey, toPath: sniDirectory + "/d.example.key")
        var configuration = RouterConfiguration()
        configuration.sni = ["s.example \(sniCertificate),\(sniKey)"]
        configuration.sniDirectory = sniDirectory
        let support = try TLSRouterSupport(configuration: configuration, logger: RouterHarness.quietLogger)
        let listener = RouterListener(address: try ListenAddress(parsing: "127.0.0.1:8443", for: .listen), mode: .plain)
        let contexts = try TLSContextStore(
            material: try TLSContextMaterial(certificateFile: live.certificate, keyFile: live.key, ciphers: nil, clientCAFile: nil),
            alpn: [], registry: support.sni)
        let counters = support.track(listener, contexts: contexts)
        counters.handshakes.add(2, ordering: .relaxed)
        counters.count(.timeout)
        #expect(support.sni.entry(for: "d.example") != nil)
        let start = support.state
        #expect(start.listeners.map(\.name) == ["127.0.0.1:8443"])
        #expect(start.listeners.first?.handshakes == 2 && start.listeners.first?.handshakeFailures["timeout"] == 1)
        #expect(start.sni.map(\.name) == ["d.example", "s.example"])

        try Self.overwrite(live.certificate, with: certificates.directory + "/soon.crt")
        try Self.overwrite(live.key, with: certificates.directory + "/soon.key")
        try Self.overwrite(sniCertificate, with: certificates.directory + "/soon.crt")
        try Self.overwrite(sniKey, with: certificates.directory + "/soon.key")
        #expect(support.reload(trigger: "test").isEmpty)
        let after = support.state
        #expect(after.reloads == 1 && after.reloadFailures == 0 && after.lastReloadError == nil)
        #expect(after.listeners.first!.expires < start.listeners.first!.expires)
        // The --sni entry is read again; the --sni-dir one is forgotten until a handshake names it.
        #expect(after.sni.map(\.name) == ["s.example"])
        let startSNI = try #require(start.sni.first { $0.name == "s.example" })
        #expect(try #require(after.sni.first).expires < startSNI.expires)
        #expect(support.sni.entry(for: "d.example") != nil)

        try FileManager.default.removeItem(atPath: live.key)
        try Self.overwrite(sniKey, with: certificates.otherKey)
        let errors = support.reload(trigger: "test")
        #expect(errors.count == 2)
        #expect(errors.contains { $0.file == live.key })
        #expect(errors.contains { $0.file == sniKey })
        #expect(support.state.sni.first { $0.name == "s.example" }?.expires == after.sni.first?.expires)
        let failed = support.state
        #expect(failed.reloads == 2 && failed.reloadFailures == 1)
        #expect(failed.lastReloadError?.contains(live.key) == true)
        #expect(failed.listeners.first!.expires == after.listeners.first!.expires)
    }
}
