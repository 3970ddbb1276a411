import Foundation
import RouterWire
import Testing

extension Interop {
    /// fleetrouter's cache forwarder (`--http-use-cache`) fed by a real uWSGI instance whose
    /// own cache replicates every write to fleetrouter's cache UDP server (`--cache2 …,nodes=`),
    /// routing to a real uWSGI app node: set → routed there, delete → no node.
    @Suite("fleetrouter cache forwarder fed by a real uWSGI cache", .requiresFleetrouter)
    struct CacheForwarderInteropTests {
        /// The writer instance's app: `/set?key=K&value=V` and `/del?key=K` on its `routes` cache.
        static let writerApp = """
            import uwsgi

            def application(environ, start_response):
                query = dict(part.split("=", 1) for part in environ.get("QUERY_STRING", "").split("&") if "=" in part)
                path = environ.get("PATH_INFO", "/")
                if path == "/set":
                    ok = uwsgi.cache_update(query["key"], query["value"], 0, "routes")
                elif path == "/del":
                    ok = uwsgi.cache_del(query["key"], "routes")
                else:
                    ok = False
                body = b"ok\\n" if ok else b"failed\\n"
                start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
                return [body]
            """

        @Test("a uWSGI cache write routes app.local to the node it names, and its delete unroutes it")
        func replicatedWrites() async throws {
            try await InteropFleet.run { fleet in
                let router = try await fleet.startRouter([
                    "--http", "127.0.0.1:0", "--http-use-cache", "routes",
                    "--cache2", "name=routes,items=16,udp=127.0.0.1:0",
                    "--admin", "127.0.0.1:0", "--admin-token-file", fleet.directory.file(FleetrouterArguments.tokenFile),
                ])
                let udp = try router.endpoint(.cacheUDP, of: "routes")
                let node = try await UwsgiProcess.node("node1", in: fleet.directory, subscribingTo: [], processes: 1)
                defer { Task { await node.terminate() } }

                _ = try fleet.directory.write(Self.writerApp, to: "writer.py", permissions: 0o644)
                let writerSocket = fleet.directory.file("writer.http.sock")
                let writer = try await ManagedProcess.launch(
                    name: "uwsgi-cache-writer", executable: URL(fileURLWithPath: try Uwsgi.require()),
                    arguments: [
                        "--plugin", "python3", "--master", "--die-on-term", "--strict",
                        "--http-socket", writerSocket, "--wsgi-file", fleet.directory.file("writer.py"), "--need-app",
                        "--processes", "1", "--cache2", "name=routes,items=16,nodes=\(udp)",
                    ],
                    directory: fleet.directory.url, environment: ["PYTHONDONTWRITEBYTECODE": "1"])
                defer { Task { try? await writer.killGroup() } }
                try await writer.waitForLine(containing: "spawned uWSGI worker 1")

                let admin = try fleet.admin()
                let listener = try fleet.listener()
                func write(_ path: String) async throws -> String {
                    try await offload { try HTTPClient(.unix(path: writerSocket)).request("GET", path, host: "writer").text }
                }
                func listed() async throws -> [String: String] {
                    let response = try await offload { try admin.send(.listCache) }
                    let listing = try CacheListing(json: response.body)
                    return Dictionary(uniqueKeysWithValues: (listing.caches.first?.items ?? []).map { ($0.key, $0.value) })
                }
                /// Bounded: 50 reads 100 ms apart (the datagram crosses a socket and a loop).
                func waitForListing(_ what: String, _ condition: ([String: String]) -> Bool) async throws {
                    var last: [String: String] = [:]
                    for attempt in 0..<50 {
                        if attempt > 0 { try await Task.sleep(for: .milliseconds(100)) }
                        last = try await listed()
                        if condition(last) { return }
                    }
                    throw InteropError("fleetrouter's cache: \(what) did not happen; it lists \(last)\n\(writer.logTail)")
                }

                #expect(try await write("/set?key=app.local&value=\(node.address)") == "ok\n")
                try await waitForListing("app.local → node1") { $0["app.local"] == node.address }
                let routed = try await offload { try HTTPClient(listener).request() }
                #expect(routed.status == 200)
                #expect(routed.node == "node1")

                #expect(try await write("/del?key=app.local") == "ok\n")
                try await waitForListing("app.local deleted") { $0["app.local"] == nil }
                let unrouted = try await offload { try HTTPClient(listener).request() }
                #expect(unrouted.status == 503)
            }
        }
    }
}
