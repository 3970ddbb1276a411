import Foundation
import RouterWire
import Testing

extension Interop {
    /// SNI certificates on fleetrouter's HTTPS listeners: `--sni`, `--sni-dir`, and real uWSGI
    /// nodes subscribing with `sni_key`/`sni_crt`.
    @Suite("fleetrouter SNI certificates from options, a directory and subscriptions", .requiresFleetrouter)
    struct SNITests {
        /// The subject line `openssl s_client` prints for the certificate served to `name`.
        static func servedSubject(port: UInt16, name: String, certificates: InteropCertificates, clientCertificate: Bool = false) async throws -> ExternalCommand.Outcome {
            var arguments = ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", name, "-ign_eof"]
            if clientCertificate { arguments += ["-cert", certificates.file("client.crt"), "-key", certificates.file("client.key")] }
            return try await ExternalCommand.run("openssl", arguments, in: certificates.directory.path,
                                                 input: "GET / HTTP/1.1\r\nHost: app.local\r\nConnection: close\r\n\r\n")
        }

        @Test("each name gets its certificate: --sni, --sni-dir, a subscribing node's sni_crt (removed with its slot); others the listener's; a bad sni_crt is logged and served the default; a mandatory client CA holds under SNI")
        func sniSources() async throws {
            try await InteropFleet.run { fleet in
                let directory = fleet.directory
                let certificates = try await InteropCertificates.make(in: directory)
                try await certificates.issue("static", subject: "/CN=static-cert", names: ["static.example"])
                try await certificates.issue("sub", subject: "/CN=sub-cert", names: ["sub.example"])
                try FileManager.default.createDirectory(atPath: directory.file("sni"), withIntermediateDirectories: true)
                try await certificates.issue("sni/dir.example", subject: "/CN=dir-cert", names: ["dir.example"])
                let server = "\(certificates.file("server.crt")),\(certificates.file("server.key"))"
                try await fleet.startRouter(FleetrouterArguments.httpRouter(in: directory, extra: [
                    "--https", "127.0.0.1:0,\(server)",
                    "--https", "127.0.0.1:0,\(server),,!\(certificates.file("ca.crt"))",
                    "--sni", "static.example \(certificates.file("static.crt")),\(certificates.file("static.key"))",
                    "--sni-dir", directory.file("sni"),
                ]))
                let listeners = try fleet.runningRouter().bindings.filter { $0.role == .listener && $0.router == "http" }.map(\.actual)
                let port = try #require(listeners.count == 3 ? listeners[1].port : nil)
                let mandatoryPort = try #require(listeners[2].port)
                let nodes = try await fleet.startNodes([("node1", nil)], subscribingTo: [try fleet.subscriptionServer()], key: "sub.example:\(port)",
                                                       subscribeItems: "sni_key=\(certificates.file("sub.key")),sni_crt=\(certificates.file("sub.crt"))")
                try await fleet.startNodes([("badnode", nil)], subscribingTo: [try fleet.subscriptionServer()], key: "bad.example:\(port)",
                                           subscribeItems: "sni_key=/nonexistent/bad.key,sni_crt=/nonexistent/bad.crt")
                let reading = try await fleet.waitForSubscribed(nodes, key: "sub.example:\(port)", on: try fleet.stats())
                #expect(reading.document.subscriptions?.first { $0.key == "sub.example:\(port)" }?.sniEnabled == 1)
                try await fleet.runningRouter().process.waitForLine(containing: "SNI certificate from a subscription unusable")

                for (name, subject) in [("static.example", "CN = static-cert"), ("dir.example", "CN = dir-cert"), ("sub.example", "CN = sub-cert"),
                                        ("other.example", "CN = localhost"), ("bad.example", "CN = localhost")] {
                    let outcome = try await Self.servedSubject(port: port, name: name, certificates: certificates)
                    #expect(outcome.output.contains("subject=\(subject)\n"), "\(name): \(outcome.output)")
                }
                // The subscribing node serves its name over TLS, with its own certificate verified.
                let curl = try await ExternalCommand.run("curl", [
                    "-sS", "--max-time", "10", "--cacert", certificates.file("ca.crt"), "--resolve", "sub.example:\(port):127.0.0.1",
                    "https://sub.example:\(port)/",
                ], in: directory.path)
                #expect(curl.output == "hello from node1\n", "\(curl.errors)")

                // Unlike uWSGI, naming an SNI host does not lift the listener's mandatory client certificate.
                let withoutCertificate = try await Self.servedSubject(port: mandatoryPort, name: "static.example", certificates: certificates)
                #expect(!withoutCertificate.output.contains("hello from"))
                let withCertificate = try await Self.servedSubject(port: mandatoryPort, name: "static.example", certificates: certificates, clientCertificate: true)
                #expect(withCertificate.output.contains("subject=CN = static-cert\n"))

                // The node leaves (SIGINT unsubscribes): its slot goes, and its certificate with it.
                nodes[0].interrupt()
                _ = try await fleet.stats().wait("sub.example's slot removed") { document in
                    !(document.subscriptions ?? []).contains { $0.key == "sub.example:\(port)" }
                }
                let after = try await Self.servedSubject(port: port, name: "sub.example", certificates: certificates)
                #expect(after.output.contains("subject=CN = localhost\n"), "\(after.output)")
            }
        }
    }
}
