import Foundation
import NIOSSL
import Testing
@testable import RouterRuntime

@Suite("HTTPS client certificate vars")
struct X509SubjectNameTests {
    @Test("HTTPS_DN is the subject as X509_NAME_oneline prints it (what openssl -nameopt compat shows)")
    func subjectMatchesOpenSSL() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let der = try certificates.der(of: certificates.clientCertificate)
        let openssl = try certificates.run(["x509", "-in", certificates.clientCertificate, "-noout", "-subject", "-nameopt", "compat"])
        let expected = openssl.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "subject=", with: "")
        #expect(X509SubjectName.oneline(certificateDER: der) == expected)
        #expect(expected == TestCertificates.clientSubject)
    }

    @Test("HTTPS_CC is the certificate in PEM exactly as openssl writes it")
    func pemMatchesOpenSSL() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let der = try certificates.der(of: certificates.clientCertificate)
        let pem = try String(contentsOfFile: certificates.clientCertificate, encoding: .utf8)
        #expect(String(decoding: HTTPSClientCertificateVars.pem(der), as: UTF8.self) == pem)
    }

    @Test("the vars come in uWSGI's order, HTTPS_CC only with --https-export-cert, and the SNI name is the key")
    func varsInOrder() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let certificate = try NIOSSLCertificate.fromPEMFile(certificates.clientCertificate)[0]
        let handshake = TLSLayer.Handshake(serverName: "a.example", peerCertificate: certificate)
        let plain = HTTPSClientCertificateVars.facts(handshake, exportPEM: false)
        #expect(plain.isHTTPS)
        #expect(plain.key == "a.example")
        #expect(plain.tlsVars.map(\.key) == ["HTTPS_CLIENT_CERTIFICATE", "HTTPS_DN"])
        #expect(plain.tlsVars[0].value == (try certificate.toDERBytes()))
        #expect(plain.tlsVars[1].value == Array(TestCertificates.clientSubject.utf8))
        let exported = HTTPSClientCertificateVars.facts(handshake, exportPEM: true)
        #expect(exported.tlsVars.map(\.key) == ["HTTPS_CLIENT_CERTIFICATE", "HTTPS_DN", "HTTPS_CC"])
        let anonymous = HTTPSClientCertificateVars.facts(TLSLayer.Handshake(serverName: nil, peerCertificate: nil), exportPEM: true)
        #expect(anonymous.isHTTPS && anonymous.tlsVars.isEmpty && anonymous.key == nil)
    }

    @Test("bytes outside printable ASCII are written \\xHH; unknown attribute types by their OID; truncated DER is refused")
    func escapingAndBadDER() {
        // SET { SEQUENCE { OID 2.5.4.3, UTF8String "é" } }, SET { SEQUENCE { OID 1.2.3.4, PrintableString "x" } }
        let name: [UInt8] = [0x31, 0x0B, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0C, 0x02, 0xC3, 0xA9,
                             0x31, 0x0A, 0x30, 0x08, 0x06, 0x03, 0x2A, 0x03, 0x04, 0x13, 0x01, 0x78]
        #expect(X509SubjectName.oneline(nameDER: name[...]) == "/CN=\\xC3\\xA9/1.2.3.4=x")
        #expect(X509SubjectName.oneline(nameDER: name.dropLast(3)) == nil)
        #expect(X509SubjectName.oneline(certificateDER: [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]) == nil)
        #expect(X509SubjectName.oneline(certificateDER: []) == nil)
    }
}
