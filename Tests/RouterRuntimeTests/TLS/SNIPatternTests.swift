import Foundation
import Testing
@testable import RouterRuntime

/// `--sni-regexp`: patterns are POSIX extended regexps, tried after exact names and before
/// `--sni-dir`, skipped with `--subscription-dotsplit`; back-references and bad syntax are
/// refused, and matching stays bounded on a pattern that would make a backtracker explode.
@Suite("SNI certificates by pattern (--sni-regexp)")
struct SNIPatternTests {
    @Test("a name matching a pattern gets its entry, case-insensitively; exact names come first, --sni-dir after")
    func lookupOrder() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let pair = "\(certificates.serverCertificate),\(certificates.serverKey)"
        let registry = SNIRegistryTests.registry(directory: certificates.directory)
        try registry.addPattern("^(www\\.)?shop\\.example$ \(pair)")
        try registry.addPattern("\\.example$ \(pair)")
        try registry.addStatic("shop.example \(pair)")
        try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: certificates.directory + "/dir.test.crt")
        try FileManager.default.copyItem(atPath: certificates.serverKey, toPath: certificates.directory + "/dir.test.key")
        try FileManager.default.copyItem(atPath: certificates.serverCertificate, toPath: certificates.directory + "/dir.example.crt")
        try FileManager.default.copyItem(atPath: certificates.serverKey, toPath: certificates.directory + "/dir.example.key")

        #expect(registry.entry(for: "shop.example")?.source == "--sni")
        #expect(registry.entry(for: "WWW.Shop.Example")?.name == "~^(www\\.)?shop\\.example$")
        // The first pattern in order wins; the second catches the rest of the zone.
        #expect(registry.entry(for: "api.example")?.name == "~\\.example$")
        // A pattern is tried before the directory, which still serves what no pattern matches.
        #expect(registry.entry(for: "dir.example")?.source == "--sni-regexp")
        #expect(registry.entry(for: "dir.test")?.source == "--sni-dir")
        #expect(registry.entry(for: "example") == nil)
    }

    @Test("with --subscription-dotsplit, patterns are skipped as uWSGI skips them")
    func dotsplitSkipsPatterns() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let registry = SNIRegistryTests.registry(dotsplit: true)
        try registry.addPattern("example$ \(certificates.serverCertificate),\(certificates.serverKey)")
        #expect(registry.entry(for: "a.example") == nil)
    }

    @Test("a back-reference or a syntax error is refused, naming the pattern")
    func refusedPatterns() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let pair = "\(certificates.serverCertificate),\(certificates.serverKey)"
        let registry = SNIRegistryTests.registry()
        let backReference = #expect(throws: TLSMaterialError.self) { try registry.addPattern("^(a+)\\1$ \(pair)") }
        #expect(backReference?.file == "^(a+)\\1$")
        #expect(backReference?.reason.contains("back-reference \\1") == true)
        let unbalanced = #expect(throws: TLSMaterialError.self) { try registry.addPattern("^(shop$ \(pair)") }
        #expect(unbalanced?.reason.contains("not a POSIX extended regular expression") == true)
        #expect(throws: TLSMaterialError.self) { try registry.addPattern("^shop$") }
        #expect(SNIPattern.backReference(in: "[\\1]x") == nil, "a backslash in a bracket expression is a literal")
        #expect(SNIPattern.backReference(in: "a\\.b\\9") == "\\9")
        #expect(SNIPattern.backReference(in: "[]\\2]") == nil)
    }

    @Test("a pattern that makes a backtracking matcher explode is matched in bounded time")
    func pathologicalPattern() throws {
        let pattern = try SNIPattern("^(a+)+$")
        let name = String(repeating: "a", count: 250) + "b"
        let clock = ContinuousClock()
        let start = clock.now
        // A backtracker takes about 2^250 steps here; the automaton, a few thousand.
        #expect(!pattern.matches(name))
        #expect(pattern.matches(String(repeating: "a", count: 250)))
        #expect(clock.now - start < .seconds(2))
    }
}
