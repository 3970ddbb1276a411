import NIOSSL
import Testing
@testable import RouterRuntime

@Suite("Key pair check: a key that is not the certificate's is refused before a TLS context is built")
struct KeyPairCheckTests {
    static func check(_ key: String, _ certificate: String) throws -> KeyPairCheck {
        KeyPairCheck.check(key: try NIOSSLPrivateKey(file: key, format: .pem),
                           certificate: try NIOSSLCertificate.fromPEMFile(certificate)[0])
    }

    @Test("P-256 and RSA pairs match; crossed keys, and another P-256 certificate, do not")
    func pairs() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        #expect(try Self.check(certificates.serverKey, certificates.serverCertificate) == .matches)
        #expect(try Self.check(certificates.otherKey, certificates.otherCertificate) == .matches)
        #expect(try Self.check(certificates.serverKey, certificates.otherCertificate) == .mismatch)
        #expect(try Self.check(certificates.otherKey, certificates.serverCertificate) == .mismatch)
        #expect(try Self.check(certificates.serverKey, certificates.clientCertificate) == .mismatch)
    }

    @Test("P-384 pairs are read; Ed25519 is left to the TLS context's own check")
    func otherTypes() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try certificates.run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes",
                              "-keyout", "p384.key", "-out", "p384.crt", "-days", "30", "-subj", "/CN=p384"])
        try certificates.run(["req", "-x509", "-newkey", "ed25519", "-nodes",
                              "-keyout", "ed.key", "-out", "ed.crt", "-days", "30", "-subj", "/CN=ed"])
        let directory = certificates.directory
        #expect(try Self.check(directory + "/p384.key", directory + "/p384.crt") == .matches)
        #expect(try Self.check(directory + "/p384.key", certificates.serverCertificate) == .mismatch)
        #expect(try Self.check(directory + "/ed.key", directory + "/ed.crt") == .unknown)
    }

    @Test("A mismatched pair is refused naming the key file, and a matching one loads")
    func material() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let error = #expect(throws: TLSMaterialError.self) {
            try TLSContextMaterial(certificateFile: certificates.serverCertificate, keyFile: certificates.otherKey,
                                   ciphers: nil, clientCAFile: nil)
        }
        #expect(error?.file == certificates.otherKey)
        #expect(error?.reason.contains(certificates.serverCertificate) == true)
        _ = try TLSContextMaterial(certificateFile: certificates.otherCertificate, keyFile: certificates.otherKey,
                                   ciphers: nil, clientCAFile: nil)
    }
}
