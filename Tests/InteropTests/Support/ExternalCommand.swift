import Foundation
import ProcessTesting

/// A one-shot command line tool run to completion (`curl`, `openssl`), off the cooperative
/// pool, with its standard input, output and exit status. A missing tool throws: in CI the
/// interop tests fail rather than skip.
struct ExternalCommand: Sendable {
    /// What the tool printed and how it exited.
    struct Outcome: Sendable {
        var status: Int32
        var output: String
        var errors: String
    }

    /// Runs `/usr/bin/<tool> ARGUMENTS` in `directory` with `input` on its standard input, on
    /// a thread of its own; the tool's own timeouts (`curl --max-time`, …) bound it, and a kill
    /// after `limit` seconds (which throws) backs them up. A tool killed by a signal reports
    /// 128 + the signal.
    static func run(_ tool: String, _ arguments: [String], in directory: String, input: String = "", limit: Double = 30) async throws -> Outcome {
        let path = "/usr/bin/\(tool)"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw InteropError("\(path) is not installed")
        }
        do {
            let completion = try await SpawnedProcess.run(
                path, arguments, directory: directory, input: input, output: .separate, timeout: .seconds(limit))
            return Outcome(status: completion.termination.code, output: completion.output, errors: completion.errors)
        } catch {
            throw InteropError("\(tool) \(arguments.joined(separator: " ")): \(error)")
        }
    }
}

/// Throwaway certificates for one interop test, made with `openssl` in the test's directory: a
/// CA, `server.crt`/`.key` for localhost, `a.example`, `b.example` and 127.0.0.1, a client
/// certificate `client.crt`/`.key` (subject `clientSubject`) signed by the CA, and any extra
/// server certificates a test asks for. Nothing is committed.
struct InteropCertificates {
    let directory: TemporaryDirectory
    static let clientSubject = "/C=IT/O=Acme Ltd/CN=bob"

    /// Makes the CA, the server and the client certificates.
    static func make(in directory: TemporaryDirectory) async throws -> InteropCertificates {
        let certificates = InteropCertificates(directory: directory)
        try await certificates.openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                        "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=Interop CA"])
        try await certificates.issue("server", subject: "/CN=localhost", names: ["localhost", "a.example", "b.example"])
        try await certificates.issue("client", subject: clientSubject, names: [])
        return certificates
    }

    /// `<name>.crt`/`.key` (P-256) signed by the CA, for `names` (plus 127.0.0.1 when any).
    func issue(_ name: String, subject: String, names: [String]) async throws {
        try await openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "\(name).key",
                           "-out", "\(name).csr", "-subj", subject])
        var arguments = ["x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                         "-out", "\(name).crt", "-days", "30"]
        if !names.isEmpty {
            let alternatives = (names.map { "DNS:\($0)" } + ["IP:127.0.0.1"]).joined(separator: ",")
            _ = try directory.write("subjectAltName=\(alternatives)\n", to: "\(name).ext")
            arguments += ["-extfile", "\(name).ext"]
        }
        try await openssl(arguments)
    }

    func file(_ name: String) -> String { directory.file(name) }

    private func openssl(_ arguments: [String]) async throws {
        let outcome = try await ExternalCommand.run("openssl", arguments, in: directory.path)
        guard outcome.status == 0 else { throw InteropError("openssl \(arguments.joined(separator: " ")) failed: \(outcome.errors)") }
    }
}
