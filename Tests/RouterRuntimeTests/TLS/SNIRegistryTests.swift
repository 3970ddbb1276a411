import Foundation
import NIOSSL
import RouterConfig
import RouterCore
import RouterWire
import Synchronization
import Testing
@testable import RouterRuntime

@Suite("SNI certificates: registry, lookup order and per-listener contexts")
struct SNIRegistryTests {
    static func registry(directory: String? = nil, dotsplit: Bool = false) -> SNIRegistry {
        SNIRegistry(directory: directory, directoryCiphers: nil, dotsplit: dotsplit, logger: RouterHarness.quietLogger)
    }

    @Test("--sni entries match case-insensitively; a bad entry names its file")
    func staticEntries() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let registry = Self.registry()
        try registry.addStatic("A.Example \(certificates.serverCertificate),\(certificates.serverKey)")
        #expect(registry.entry(for: "a.example")?.source == "--sni")
        #expect(registry.entry(for: "A.EXAMPLE") != nil)
        #expect(registry.entry(for: "b.example") == nil)
        #expect(throws: TLSMaterialError.self) { try registry.addStatic("x.example /nonexistent.crt,\(certificates.serverKey)") }
        #expect(registry.isEnabled)
        #expect(!Self.registry().isEnabled)
    }

    @Test("--subscription-dotsplit tries the name without its leading labels, at most 5 names, and then skips --sni-dir")
    func dotsplit() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let registry = Self.registry(directory: certificates.directory, dotsplit: true)
        let material = try TLSContextMaterial(certificateFile: certificates.serverCertificate, keyFile: certificates.serverKey,
                                              ciphers: nil, clientCAFile: nil)
        registry.add(SNIRegistry.Entry(name: ".example.com", material: material, source: "subscription"))
        #expect(registry.entry(for: "www.example.com")?.name == ".example.com")
        #expect(registry.entry(for: "a.b.c.example.com")?.name == ".example.com")
        #expect(registry.entry(for: "a.b.c.d.e.example.com") == nil)  // beyond 5 tries
        try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: certificates.directory + "/dir.example.crt")
        try FileManager.default.copyItem(atPath: certificates.serverKey, toPath: certificates.directory + "/dir.example.key")
        #expect(registry.entry(for: "dir.example") == nil)
    }

    @Test("--sni-dir loads DIR/NAME.crt and .key on first use, remembers missing names, counts a bad pair")
    func directory() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let registry = Self.registry(directory: certificates.directory)
        try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: certificates.directory + "/dir.example.crt")
        try FileManager.default.copyItem(atPath: certificates.serverKey, toPath: certificates.directory + "/dir.example.key")
        try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: certificates.directory + "/bad.example.crt")
        try FileManager.default.copyItem(atPath: certificates.otherKey, toPath: certificates.directory + "/bad.example.key")
        let first = registry.entry(for: "dir.example")
        #expect(first?.source == "--sni-dir")
        #expect(registry.entry(for: "dir.example") === first)
        #expect(registry.entry(for: "none.example") == nil)
        #expect(registry.entry(for: "bad.example") == nil)
        #expect(registry.failures.load(ordering: .relaxed) == 1)
        #expect(registry.names.map(\.name) == ["dir.example"])
    }

    @Test("contexts are built once per name and shared; a replaced entry is rebuilt; unknown names get the listener's")
    func contextCache() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let registry = Self.registry()
        try registry.addStatic("a.example \(certificates.otherCertificate),\(certificates.otherKey)")
        let listener = try TLSContextMaterial(certificateFile: certificates.serverCertificate, keyFile: certificates.serverKey,
                                              ciphers: nil, clientCAFile: nil)
        let store = try TLSContextStore(material: listener, alpn: ["http/1.1"], registry: registry)
        let first = store.context(for: "a.example")
        #expect(first !== store.listenerContext)
        #expect(store.context(for: "a.example") === first)
        #expect(store.context(for: nil) === store.listenerContext)
        #expect(store.context(for: "b.example") === store.listenerContext)
        try registry.addStatic("a.example \(certificates.serverCertificate),\(certificates.serverKey)")
        #expect(store.context(for: "a.example") !== first)
    }

    @Test("a listener's mandatory client CA holds under an SNI certificate; an optional one does not override the entry's")
    func mandatoryHolds() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let entry = try TLSContextMaterial(certificateFile: certificates.otherCertificate, keyFile: certificates.otherKey,
                                           ciphers: nil, clientCAFile: nil)
        let mandatory = try TLSContextMaterial(certificateFile: certificates.serverCertificate, keyFile: certificates.serverKey,
                                               ciphers: nil, clientCAFile: "!" + certificates.caCertificate)
        let held = entry.holding(mandatory)
        #expect(held.clientCertificateRequired)
        #expect(held.clientCA?.count == 1)
        #expect(held.chain == entry.chain)
        let optional = try TLSContextMaterial(certificateFile: certificates.serverCertificate, keyFile: certificates.serverKey,
                                              ciphers: nil, clientCAFile: certificates.caCertificate)
        #expect(!entry.holding(optional).clientCertificateRequired)
        #expect(entry.holding(optional).clientCA == nil)
    }

    @Test("a subscription slot with sni_key and sni_crt adds its host's certificate (inline PEM with --ssl-tmp-dir); its removal removes it; a bad one is counted")
    func subscriptionSlots() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        var configuration = RouterConfiguration()
        configuration.sslTemporaryDirectory = certificates.directory
        let support = try TLSRouterSupport(configuration: configuration, logger: RouterHarness.quietLogger)
        var packet = SubscriptionPacket(key: "Sub.Example:8443", address: "127.0.0.1:3031")
        packet.sniCrt = try String(contentsOfFile: certificates.serverCertificate, encoding: .utf8)
        packet.sniKey = try String(contentsOfFile: certificates.serverKey, encoding: .utf8)
        support.slotChanged(.created(key: RouteKey("Sub.Example:8443"), packet: packet))
        #expect(support.sni.entry(for: "sub.example")?.source == "subscription")
        support.slotChanged(.removed(key: RouteKey("Sub.Example:8443")))
        #expect(support.sni.entry(for: "sub.example") == nil)
        packet.sniCrt = "/nonexistent.crt"
        support.slotChanged(.created(key: RouteKey("bad.example"), packet: packet))
        #expect(support.sni.entry(for: "bad.example") == nil)
        #expect(support.sni.failures.load(ordering: .relaxed) == 1)
        var plain = packet
        plain.sniKey = nil
        support.slotChanged(.created(key: RouteKey("plain.example"), packet: plain))
        #expect(support.sni.failures.load(ordering: .relaxed) == 1)
    }
}
