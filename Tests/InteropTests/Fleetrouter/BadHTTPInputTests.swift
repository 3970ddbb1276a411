import DataPlaneTesting
import RouterWire
import Testing

extension Interop {
    /// Bad HTTP input against a running fleetrouter with a real uWSGI node behind it: every
    /// bad client gets its answer (or is cut), and the next good request is served as before.
    @Suite("fleetrouter HTTP router: bad clients", .requiresFleetrouter, .everyTransport)
    struct BadHTTPInputTests {
        /// Heads no HTTP/1.1 server may accept, each with what is wrong with it.
        static let malformedHeads: [(String, String)] = [
            ("no spaces in the request line", "GARBAGE\r\n\r\n"),
            ("not an HTTP protocol", "GET / SPDY/3\r\nHost: app.local\r\n\r\n"),
            ("header line without a colon", "GET / HTTP/1.1\r\nHost app.local\r\n\r\n"),
            ("Content-Length not a number", "GET / HTTP/1.1\r\nHost: app.local\r\nContent-Length: abc\r\n\r\n"),
            ("bare CR inside a header", "GET / HTTP/1.1\r\nHost: app.local\r\nX-Bad: a\rb\r\n\r\n"),
        ]

        @Test("malformed request heads get 400, none reaches the node, and serving goes on")
        func malformedHeads() async throws {
            try await InteropFleet.run { fleet in
                let nodes = try await fleet.startHTTPFleet([("node1", nil)])
                let endpoint = try fleet.listener()
                for (problem, head) in Self.malformedHeads {
                    let outcome = try await offload { try HTTPClient.rawExchange(endpoint, Array(head.utf8)) }
                    #expect(outcome.status == 400, "\(problem): \(outcome)")
                }
                let served = try await offload { try HTTPClient.get(endpoint) }
                #expect(served.status == 200)
                #expect(served.node == "node1")
                let stats = try fleet.stats()
                let counted = try await offload { try stats.read() }.document
                #expect(counted.node(nodes[0].address)?.requests == 1, "a malformed request reached the node")
            }
        }

        @Test("a request head over 64 KiB gets 431 and serving goes on")
        func oversizeHead() async throws {
            try await InteropFleet.run { fleet in
                try await fleet.startHTTPFleet([("node1", nil)])
                let endpoint = try fleet.listener()
                let head = "GET / HTTP/1.1\r\nHost: app.local\r\nX-Padding: " + String(repeating: "p", count: 70_000) + "\r\n\r\n"
                let outcome = try await offload { try HTTPClient.rawExchange(endpoint, Array(head.utf8)) }
                #expect(outcome.status == 431, "\(outcome)")
                let served = try await offload { try HTTPClient.get(endpoint) }
                #expect(served.status == 200)
            }
        }

        @Test("a client that stops in the middle of its head is cut after --http-headers-timeout 1 (408 or close)")
        func slowClient() async throws {
            try await InteropFleet.run { fleet in
                try await fleet.startHTTPFleet([("node1", nil)], routerArguments: ["--http-headers-timeout", "1"])
                let endpoint = try fleet.listener()
                let (outcome, elapsed) = try await offload { () -> (HTTPClient.Outcome, Duration) in
                    let started = ContinuousClock.now
                    // The head never ends: no blank line follows.
                    let outcome = try HTTPClient.rawExchange(endpoint, Array("GET / HTTP/1.1\r\nHost: app.local\r\n".utf8), timeout: .seconds(30))
                    return (outcome, ContinuousClock.now - started)
                }
                // An outcome at all (a client timeout throws) means the router cut it, long
                // before --http-timeout could; no upper bound on the time, which load can stretch.
                #expect(outcome.status == 408 || outcome.status == nil, "\(outcome)")
                #expect(elapsed >= .milliseconds(900), "cut after \(elapsed), before the 1 s header timeout")
                let served = try await offload { try HTTPClient.get(endpoint) }
                #expect(served.status == 200)
            }
        }
    }
}
