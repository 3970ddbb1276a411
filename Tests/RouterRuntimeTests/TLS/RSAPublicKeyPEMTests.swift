import Foundation
import _CryptoExtras
import Testing
@testable import RouterRuntime

@Suite("RSA public keys from PEM: read through their modulus and exponent, anything else refused without a crash")
struct RSAPublicKeyPEMTests {
    @Test("SPKI and PKCS#1 forms of one RSA key read as the same key")
    func rsaForms() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try certificates.run(["pkey", "-in", "other.key", "-pubout", "-out", "spki.pem"])
        try certificates.run(["rsa", "-in", "other.key", "-RSAPublicKey_out", "-out", "pkcs1.pem"])
        let spki = try RSAPublicKeyPEM.read(try String(contentsOfFile: certificates.directory + "/spki.pem", encoding: .utf8))
        let pkcs1 = try RSAPublicKeyPEM.read(try String(contentsOfFile: certificates.directory + "/pkcs1.pem", encoding: .utf8))
        #expect(spki.pkcs1DERRepresentation == pkcs1.pkcs1DERRepresentation)
        #expect(spki.keySizeInBits == 2048)
    }

    @Test("an EC key, a certificate, damaged DER and text that is not PEM are refused, each saying what it is")
    func refusals() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try certificates.run(["pkey", "-in", "server.key", "-pubout", "-out", "ec.pem"])
        let ec = try String(contentsOfFile: certificates.directory + "/ec.pem", encoding: .utf8)
        let certificate = try String(contentsOfFile: certificates.serverCertificate, encoding: .utf8)
        let damaged = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n"
        let cases: [(String, String)] = [
            (ec, "1.2.840.10045.2.1"), (certificate, "CERTIFICATE"), (damaged, "not well-formed"), ("hello", "not PEM"),
        ]
        for (text, reason) in cases {
            let refusal = #expect(throws: RSAPublicKeyPEM.Refusal.self) { try RSAPublicKeyPEM.read(text) }
            #expect(refusal?.description.contains(reason) == true, "\(refusal?.description ?? "no refusal")")
        }
    }
}
