import Foundation
import Testing

extension Interop {
    /// fleetrouter's HTTPS listeners in front of real uWSGI python nodes, driven by `curl` and
    /// `openssl s_client`, with certificates the test makes.
    @Suite("fleetrouter HTTPS router with real clients and uWSGI nodes", .requiresFleetrouter)
    struct HTTPSRouterTests {
        /// fleetrouter with a plain listener, an HTTPS listener whose client certificate is
        /// optional, one where it is mandatory, and a redirect to the first; two nodes.
        static func start(_ fleet: InteropFleet) async throws -> (certificates: InteropCertificates, optional: Endpoint, mandatory: Endpoint, redirect: Endpoint) {
            let certificates = try await InteropCertificates.make(in: fleet.directory)
            let server = "\(certificates.file("server.crt")),\(certificates.file("server.key"))"
            try await fleet.startRouter(FleetrouterArguments.httpRouter(in: fleet.directory, extra: [
                "--https", "127.0.0.1:0,\(server),,\(certificates.file("ca.crt"))",
                "--https2", "addr=127.0.0.1:0,cert=\(certificates.file("server.crt")),key=\(certificates.file("server.key")),clientca=!\(certificates.file("ca.crt"))",
                "--http-to-https", "127.0.0.1:0,8443",
                "--http-auto-chunked", "--https-export-cert",
            ]))
            let nodes = try await fleet.startNodes([("node1", nil), ("node2", nil)], subscribingTo: [try fleet.subscriptionServer()])
            try await fleet.waitForSubscribed(nodes, on: try fleet.stats())
            let listeners = try fleet.runningRouter().bindings.filter { $0.role == .listener && $0.router == "http" }.map(\.actual)
            guard listeners.count == 4 else { throw InteropError("expected 4 http listeners, got \(listeners)") }
            return (certificates, listeners[1], listeners[2], listeners[3])
        }

        /// `curl` over TLS to `endpoint` as `https://a.example:PORT` (SNI a.example), Host app.local.
        static func curl(_ endpoint: Endpoint, _ paths: [String], certificates: InteropCertificates, withCertificate: Bool = false,
                         extra: [String] = []) async throws -> ExternalCommand.Outcome {
            let port = endpoint.port ?? 0
            var arguments = ["-sS", "--max-time", "10", "--cacert", certificates.file("ca.crt"),
                             "--resolve", "a.example:\(port):127.0.0.1", "-H", "Host: app.local",
                             "-w", "\n%{http_code} %{num_connects}\n"]
            if withCertificate { arguments += ["--cert", certificates.file("client.crt"), "--key", certificates.file("client.key")] }
            arguments += extra
            arguments += paths.map { "https://a.example:\(port)\($0)" }
            return try await ExternalCommand.run("curl", arguments, in: certificates.directory.path)
        }

        /// The JSON object the app's /env printed (`output` holds one, then curl's write-out line).
        static func environment(_ output: String) throws -> [String: String] {
            guard let start = output.firstIndex(of: "{"), let end = output.lastIndex(of: "}") else {
                throw InteropError("no /env JSON in: \(output)")
            }
            let json = try JSONSerialization.jsonObject(with: Data(output[start...end].utf8))
            return (json as? [String: String]) ?? [:]
        }

        @Test("curl --resolve over TLS reaches the nodes with HTTPS=on; two requests share one connection (keep-alive)")
        func curlThroughHTTPS() async throws {
            try await InteropFleet.run { fleet in
                let (certificates, optional, _, _) = try await Self.start(fleet)
                let outcome = try await Self.curl(optional, ["/env", "/"], certificates: certificates)
                #expect(outcome.status == 0, "\(outcome.errors)")
                let environment = try Self.environment(outcome.output)
                #expect(environment["HTTPS"] == "on")
                #expect(environment["HTTPS_DN"] == nil)
                // The port as configured, as on plain listeners (and in uWSGI).
                #expect(environment["SERVER_PORT"] == "0")
                #expect(outcome.output.contains("hello from node"))
                // %{num_connects}: 1 for the first request, 0 for the second (the connection was kept).
                #expect(outcome.output.contains("\n200 1\n") && outcome.output.contains("\n200 0\n"), "\(outcome.output)")
            }
        }

        @Test("a client certificate gives the app HTTPS_DN (and HTTPS_CC with --https-export-cert)")
        func clientCertificateVars() async throws {
            try await InteropFleet.run { fleet in
                let (certificates, optional, _, _) = try await Self.start(fleet)
                let outcome = try await Self.curl(optional, ["/env"], certificates: certificates, withCertificate: true)
                #expect(outcome.status == 0, "\(outcome.errors)")
                let environment = try Self.environment(outcome.output)
                #expect(environment["HTTPS_DN"] == InteropCertificates.clientSubject)
                let pem = try String(contentsOfFile: certificates.file("client.crt"), encoding: .utf8)
                #expect(environment["HTTPS_CC"] == pem)
            }
        }

        @Test("a mandatory client CA: refused without a client certificate, served with one")
        func mandatoryClientCA() async throws {
            try await InteropFleet.run { fleet in
                let (certificates, _, mandatory, _) = try await Self.start(fleet)
                let without = try await Self.curl(mandatory, ["/"], certificates: certificates)
                #expect(without.status != 0)
                #expect(!without.output.contains("hello from"))
                let with = try await Self.curl(mandatory, ["/env"], certificates: certificates, withCertificate: true)
                #expect(with.status == 0, "\(with.errors)")
                #expect(try Self.environment(with.output)["HTTPS_DN"] == InteropCertificates.clientSubject)
            }
        }

        @Test("openssl s_client -servername sends a request over TLS 1.3 with ALPN http/1.1 and gets the node's answer")
        func opensslClient() async throws {
            try await InteropFleet.run { fleet in
                let (certificates, optional, _, _) = try await Self.start(fleet)
                let outcome = try await ExternalCommand.run("openssl", [
                    "s_client", "-connect", "127.0.0.1:\(optional.port ?? 0)", "-servername", "a.example", "-alpn", "http/1.1",
                    "-CAfile", certificates.file("ca.crt"), "-verify_return_error", "-ign_eof",
                ], in: certificates.directory.path, input: "GET / HTTP/1.1\r\nHost: app.local\r\nConnection: close\r\n\r\n")
                #expect(outcome.output.contains("hello from node"), "\(outcome.output)\n\(outcome.errors)")
                #expect(outcome.output.contains("ALPN protocol: http/1.1"))
                #expect(outcome.output.contains("TLSv1.3"))
                #expect(outcome.output.contains("Verify return code: 0 (ok)"))
            }
        }

        @Test("a chunked request body passes through TLS to the node; TLS 1.1 is refused")
        func chunkedAndOldTLS() async throws {
            try await InteropFleet.run { fleet in
                let (certificates, optional, _, _) = try await Self.start(fleet)
                let chunked = try await Self.curl(optional, ["/"], certificates: certificates, extra: [
                    "-H", "Transfer-Encoding: chunked", "--data-binary", String(repeating: "x", count: 50_000),
                ])
                #expect(chunked.status == 0, "\(chunked.errors)")
                #expect(chunked.output.contains("hello from node"))
                let old = try await Self.curl(optional, ["/"], certificates: certificates, extra: ["--tls-max", "1.1"])
                #expect(old.status != 0)
            }
        }

        @Test("uWSGI's own --https router as a peer: the same request with a client certificate through both gives the same answer and the same vars at the node")
        func uwsgiHTTPSPeer() async throws {
            try await InteropFleet.run { fleet in
                let (certificates, optional, _, _) = try await Self.start(fleet)
                let socket = fleet.directory.file("uhttps.sock")
                let node = try fleet.node("node1")
                try await fleet.startUwsgiHTTPRouter(listener: fleet.directory.file("uhttp.sock"), staticNodes: [node.address], extra: [
                    "--https", "\(socket),\(certificates.file("server.crt")),\(certificates.file("server.key")),,\(certificates.file("ca.crt"))",
                    "--https-export-cert",
                ])
                let client = ["-sS", "--max-time", "10", "--cacert", certificates.file("ca.crt"), "-H", "Host: app.local", "-H", "X-Probe: 1",
                              "--cert", certificates.file("client.crt"), "--key", certificates.file("client.key")]
                // Both nodes run the same app: whichever fleetrouter picks answers alike.
                let fleetrouter = try await Self.curl(optional, ["/env"], certificates: certificates, withCertificate: true, extra: ["-H", "X-Probe: 1"])
                #expect(fleetrouter.status == 0, "\(fleetrouter.errors)")
                let throughFleetrouter = try Self.environment(fleetrouter.output)
                let uwsgi = try await ExternalCommand.run("curl", client + ["--unix-socket", socket, "https://a.example/env"],
                                                          in: fleet.directory.path)
                #expect(uwsgi.status == 0, "\(uwsgi.errors)")
                let throughUwsgi = try Self.environment(uwsgi.output)
                for name in ["HTTPS", "HTTPS_DN", "HTTPS_CC", "HTTPS_CLIENT_CERTIFICATE", "REQUEST_URI", "HTTP_X_PROBE", "SERVER_NAME", "UWSGI_ROUTER"] {
                    #expect(throughFleetrouter[name] != nil && throughFleetrouter[name] == throughUwsgi[name], "\(name)")
                }
                // The same vars reach the node, but for the listener-specific ones (a unix socket has no port or address).
                let differing: Set = ["REMOTE_ADDR", "REMOTE_PORT", "SERVER_PORT", "HTTP_HOST", "uwsgi.core", "uwsgi.node", "uwsgi.version"]
                #expect(Set(throughFleetrouter.keys).subtracting(differing) == Set(throughUwsgi.keys).subtracting(differing))
            }
        }

        @Test("--http-to-https answers 301 to https://HOST:PORT/URI, the Host's port dropped")
        func redirect() async throws {
            try await InteropFleet.run { fleet in
                let (certificates, _, _, redirect) = try await Self.start(fleet)
                let outcome = try await ExternalCommand.run("curl", [
                    "-sS", "-i", "--max-time", "10", "-H", "Host: app.local:80", "http://\(redirect)/a/b?c=1",
                ], in: certificates.directory.path)
                #expect(outcome.output.hasPrefix("HTTP/1.1 301 Moved Permanently\r\nLocation: https://app.local:8443/a/b?c=1\r\n"), "\(outcome.output)")
            }
        }
    }
}
