import Foundation
import ProcessTesting
import ThreadTesting

/// Throwaway certificates made with the `openssl` command in a fresh directory: a CA, a server
/// certificate for `localhost`/`a.example`/127.0.0.1 signed by it, a client certificate with a
/// multi-attribute subject, and an unrelated self-signed RSA pair (for mismatches). Nothing is
/// committed; `remove()` deletes the directory.
struct TestCertificates {
    let directory: String

    var caCertificate: String { directory + "/ca.crt" }
    var serverCertificate: String { directory + "/server.crt" }
    var serverKey: String { directory + "/server.key" }
    var clientCertificate: String { directory + "/client.crt" }
    var clientKey: String { directory + "/client.key" }
    var otherCertificate: String { directory + "/other.crt" }
    var otherKey: String { directory + "/other.key" }
    /// The client certificate's subject as `openssl x509 -subject` writes it with `-nameopt compat`.
    static let clientSubject = "/C=IT/ST=Roma/O=Acme Ltd/OU=R&D/CN=bob/emailAddress=bob@example.com"

    /// Makes the set (openssl must be installed: a missing one throws, so tests fail, never skip),
    /// on a thread of its own: five openssl runs, an RSA key among them, would hold a thread of
    /// the cooperative pool for up to a second.
    static func make() async throws -> TestCertificates {
        try await OwnThread.run("certificates") { () throws -> TestCertificates in try makeBlocking() }
    }

    private static func makeBlocking() throws -> TestCertificates {
        let certificates = TestCertificates(directory: try makeTempDirectory())
        try certificates.run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                              "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=Test CA"])
        try certificates.issue(name: "server", subject: "/CN=localhost",
                               extensions: "subjectAltName=DNS:localhost,DNS:a.example,IP:127.0.0.1")
        try certificates.issue(name: "client", subject: "/C=IT/ST=Roma/O=Acme Ltd/OU=R&D/CN=bob/emailAddress=bob@example.com",
                               extensions: nil)
        try certificates.run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.crt",
                              "-days", "30", "-subj", "/CN=other"])
        return certificates
    }

    /// Issues `<name>.crt`/`<name>.key` (P-256) signed by the CA, valid for `days`.
    func issue(name: String, subject: String, extensions: String?, days: Int = 30) throws {
        try run(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(name).key",
                 "-out", "\(name).csr", "-subj", subject])
        var arguments = ["x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                         "-out", "\(name).crt", "-days", "\(days)"]
        if let extensions {
            try extensions.write(toFile: directory + "/\(name).ext", atomically: true, encoding: .utf8)
            arguments += ["-extfile", "\(name).ext"]
        }
        try run(arguments)
    }

    /// Runs `openssl` in the directory; a failure throws with its stderr.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let completion = try SpawnedProcess.run("/usr/bin/openssl", arguments, directory: directory, output: .separate)
        guard completion.termination == .exited(0) else {
            throw OpenSSLFailed(arguments: arguments, stderr: "\(completion.termination): \(completion.errors)")
        }
        return completion.output
    }

    /// The DER bytes of a PEM certificate file.
    func der(of certificate: String) throws -> [UInt8] {
        try run(["x509", "-in", certificate, "-outform", "DER", "-out", certificate + ".der"])
        return Array(try Data(contentsOf: URL(fileURLWithPath: certificate + ".der")))
    }

    func remove() {
        removeDirectory(directory)
    }
}

/// An `openssl` command that failed.
struct OpenSSLFailed: Error, CustomStringConvertible {
    let arguments: [String]
    let stderr: String
    var description: String { "openssl \(arguments.joined(separator: " ")) failed: \(stderr)" }
}
