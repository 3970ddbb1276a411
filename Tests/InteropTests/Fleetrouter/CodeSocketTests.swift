import DataPlaneTesting
import Foundation
import Testing

extension Interop {
    /// `--http-use-code-socket`: the resolver is a Python WSGI app served by a real uWSGI on a
    /// unix socket, so a uWSGI `-use-code-string 0:router.py:route` function keeps working as
    /// an out-of-process resolver.
    @Suite("fleetrouter's code forwarder asking a WSGI resolver served by uWSGI", .requiresFleetrouter, .everyTransport)
    struct CodeSocketTests {
        /// The resolver: `node1.…` → node1's socket (reused 30 s), `broken.…` → 500, anything
        /// else → 404 (no node).
        static func resolverApp(node: String) -> String {
            """
            def application(environ, start_response):
                key = environ.get("FLEETROUTER_KEY", "")
                if key.startswith("node1."):
                    start_response("200 OK", [("Content-Type", "text/plain"), ("Cache-Control", "max-age=30")])
                    return [b"\(node)\\n"]
                if key.startswith("broken."):
                    start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
                    return [b"boom"]
                start_response("404 Not Found", [("Content-Type", "text/plain")])
                return [b"no node"]
            """
        }

        @Test("keys resolved by the uWSGI-served resolver reach the node; 404 is no node (503); a 500 is a 502")
        func uwsgiServedResolver() async throws {
            try await InteropFleet.run { fleet in
                let directory = fleet.directory
                let nodes = try await fleet.startNodes([("node1", nil)], subscribingTo: [])
                let app = try directory.write(Self.resolverApp(node: nodes[0].address), to: "resolver.py")
                let socket = directory.file("resolver.sock")
                let resolver = try await ManagedProcess.launch(
                    name: "resolver", executable: URL(fileURLWithPath: try Uwsgi.require()),
                    arguments: ["--plugin", "python3", "--master", "--die-on-term", "--strict", "--socket", socket,
                                "--wsgi-file", app, "--need-app", "--processes", "1"],
                    directory: directory.url, environment: ["PYTHONDONTWRITEBYTECODE": "1"])
                do {
                    try await resolver.waitForLine(containing: "spawned uWSGI worker 1")
                    try await fleet.startRouter([
                        "--http", "127.0.0.1:0", "--http-use-code-socket", socket, "--http-code-timeout", "5000",
                    ])
                    let listener = try fleet.listener()
                    let answers = try await offload {
                        try ["node1.example", "node1.example", "other.example", "broken.example", "node1.example"].map {
                            try HTTPClient.get(listener, host: $0)
                        }
                    }
                    #expect(answers.map(\.status) == [200, 200, 503, 502, 200])
                    #expect(answers[0].node == "node1" && answers[4].node == "node1")
                } catch {
                    try? await resolver.killGroup()
                    throw error
                }
                try? await resolver.killGroup()
            }
        }
    }
}
