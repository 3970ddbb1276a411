import Foundation
import Testing

extension Interop {
    /// fleetrouter's SSL router: TLS in, raw TCP out, the SNI name as the key.
    @Suite("fleetrouter SSL router routing by SNI to raw backends", .requiresFleetrouter)
    struct SSLRouterTests {
        @Test("--sslrouter-sni: a.example and b.example reach two raw backends (uWSGI HTTP routers in front of two nodes), with curl and openssl s_client")
        func sniRoutesToTwoBackends() async throws {
            try await InteropFleet.run { fleet in
                let directory = fleet.directory
                let certificates = try await InteropCertificates.make(in: directory)
                let nodes = try await fleet.startNodes([("node1", nil), ("node2", nil)], subscribingTo: [])
                for node in nodes { try await node.process.waitForLine(containing: "WSGI app 0 (mountpoint='') ready") }
                // The raw backends: one uWSGI HTTP router per name, on DIR/<name>.sock.
                try await fleet.startUwsgiHTTPRouter(listener: directory.file("a.example.sock"), staticNodes: [nodes[0].address])
                try await fleet.startUwsgiHTTPRouter(listener: directory.file("b.example.sock"), staticNodes: [nodes[1].address])
                try await fleet.startRouter([
                    "--sslrouter2", "addr=127.0.0.1:0,cert=\(certificates.file("server.crt")),key=\(certificates.file("server.key"))",
                    "--sslrouter-sni", "--sslrouter-use-pattern", directory.file("%s.sock"),
                    "--sslrouter-stats", "127.0.0.1:0",
                ])
                let port = try fleet.listener("sslrouter").port ?? 0
                var answers: [String: String] = [:]
                for name in ["a.example", "b.example"] {
                    let outcome = try await ExternalCommand.run("curl", [
                        "-sS", "--max-time", "10", "--cacert", certificates.file("ca.crt"),
                        "--resolve", "\(name):\(port):127.0.0.1", "https://\(name):\(port)/", "https://\(name):\(port)/",
                    ], in: directory.path)
                    #expect(outcome.status == 0, "\(outcome.errors)")
                    answers[name] = outcome.output
                }
                #expect(answers["a.example"] == "hello from node1\nhello from node1\n")
                #expect(answers["b.example"] == "hello from node2\nhello from node2\n")
                let viaOpenSSL = try await ExternalCommand.run("openssl", [
                    "s_client", "-connect", "127.0.0.1:\(port)", "-servername", "b.example", "-CAfile", certificates.file("ca.crt"),
                    "-verify_return_error", "-ign_eof", "-quiet",
                ], in: directory.path, input: "GET / HTTP/1.0\r\nHost: b.example\r\n\r\n")
                #expect(viaOpenSSL.output.contains("hello from node2"), "\(viaOpenSSL.output)\n\(viaOpenSSL.errors)")
                // No SNI: the key is the listener's name, for which no backend socket exists.
                let unnamed = try await ExternalCommand.run("curl", [
                    "-sS", "--max-time", "10", "-k", "https://127.0.0.1:\(port)/",
                ], in: directory.path)
                #expect(unnamed.status != 0)
            }
        }
    }
}
