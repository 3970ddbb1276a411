import Testing
@testable import RouterRuntime

@Suite("cipher strings checked before BoringSSL")
struct CipherListCheckTests {
    @Test("strings BoringSSL accepts and that select ciphers pass", arguments: [
        "HIGH:!aNULL:!MD5", "ECDHE-RSA-AES128-GCM-SHA256", "DEFAULT:!3DES", "ECDHE+AESGCM:ECDHE+CHACHA20", "ALL:@STRENGTH",
        "kEECDH+AES128 -SHA1", "3DES",
    ])
    func accepted(text: String) throws {
        let enabled = try CipherListCheck.enabled(by: text).get()
        #expect(!enabled.isEmpty)
    }

    @Test("strings that select nothing or that BoringSSL refuses are refused, naming the string", arguments: [
        "BOGUS", "!ALL", "ECDHE+AESGCM:!ECDHE", "[AES|CHACHA20]", "AES$", "ECDHE-ECDSA-AES128-SHA256+AES", "",
    ])
    func refused(text: String) {
        guard case .failure(let error) = CipherListCheck.enabled(by: text) else {
            Issue.record("'\(text)' was accepted")
            return
        }
        #expect(error.description.hasPrefix("cipher string '\(text)'"))
    }

    @Test("a kill is final, a delete can be undone, deprecated ciphers need their own name")
    func rules() throws {
        #expect(try CipherListCheck.enabled(by: "ECDHE-RSA-AES128-SHA:!ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-SHA:AES256-SHA").get() == ["AES256-SHA"])
        #expect(try CipherListCheck.enabled(by: "AES256-SHA:-AES256-SHA:AES256-SHA").get() == ["AES256-SHA"])
        #expect(try !CipherListCheck.enabled(by: "ALL").get().contains("DES-CBC3-SHA"))
        #expect(try CipherListCheck.enabled(by: "3DES").get() == ["DES-CBC3-SHA"])
    }
}
