import Testing

extension Interop {
    /// The startup lines fleetrouter prints on stderr, parsed as the tests rely on them.
    @Suite("fleetrouter startup lines")
    struct FleetrouterLogLineTests {
        @Test("every contract line parses to its role, router, configured and bound address")
        func contractLines() throws {
            let cases: [(String, FleetrouterLogLine)] = [
                ("fleetrouter: http listening on 127.0.0.1:0 bound 127.0.0.1:41234",
                 .bound(.init(role: .listener, router: "http", configured: "127.0.0.1:0", actual: .inet(host: "127.0.0.1", port: 41234)))),
                ("fleetrouter: fastrouter subscription server on 127.0.0.1:0 bound 127.0.0.1:5001",
                 .bound(.init(role: .subscriptionServer, router: "fastrouter", configured: "127.0.0.1:0", actual: .inet(host: "127.0.0.1", port: 5001)))),
                ("fleetrouter: rawrouter stats server on [::1]:0 bound [::1]:41234",
                 .bound(.init(role: .statsServer, router: "rawrouter", configured: "[::1]:0", actual: .inet(host: "::1", port: 41234)))),
                ("fleetrouter: admin API on /tmp/x/admin.sock bound /tmp/x/admin.sock",
                 .bound(.init(role: .admin, router: nil, configured: "/tmp/x/admin.sock", actual: .unix(path: "/tmp/x/admin.sock")))),
                ("fleetrouter: http listening on :8080 bound 127.0.0.1:8080",
                 .bound(.init(role: .listener, router: "http", configured: ":8080", actual: .inet(host: "127.0.0.1", port: 8080)))),
                ("fleetrouter: ready", .ready),
            ]
            for (line, expected) in cases {
                #expect(try FleetrouterLogLine.parse(line) == expected, "\(line)")
            }
        }

        @Test("other output is not mistaken for a contract line")
        func otherLines() throws {
            for line in [
                "fleetrouter: --master is a uWSGI-only option, ignored",
                "fleetrouter: readying",
                "[uwsgi-subscription] app.local => new node: /tmp/n.sock",
                "fleetrouter: http listening on 127.0.0.1:0",
                "",
            ] {
                #expect(try FleetrouterLogLine.parse(line) == nil, "\(line)")
            }
        }

        @Test("a bound address that names no usable socket is an error naming the line")
        func unusableAddress() {
            for line in ["fleetrouter: http listening on 127.0.0.1:0 bound 127.0.0.1:0", "fleetrouter: admin API on x bound nowhere"] {
                #expect(throws: InteropError.self, "\(line)") { try FleetrouterLogLine.parse(line) }
            }
        }

        @Test("endpoints print back in uWSGI's spelling")
        func endpointRoundTrip() throws {
            for text in ["127.0.0.1:3031", "[::1]:8080", "/tmp/a.sock", "@abstract"] {
                #expect(try Endpoint(parsing: text).description == text)
            }
            #expect(try Endpoint(parsing: ":3031") == .inet(host: "127.0.0.1", port: 3031))
        }
    }
}
