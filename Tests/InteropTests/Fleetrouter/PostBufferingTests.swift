import DataPlaneTesting
import Foundation
import Testing

extension Interop {
    /// `--http-post-buffering` and `--fastrouter-post-buffering` in front of real uWSGI python
    /// nodes that read the body (`app.py`'s `/echo` answers it back): a body under the limit
    /// (held in memory) and one far over it (spooled to a file in the configured directory)
    /// both arrive whole, and the spool directory is left empty.
    @Suite("fleetrouter post-buffering in front of uWSGI nodes reading the body", .requiresFleetrouter, .everyTransport)
    struct PostBufferingTests {
        /// Bytes that are not all alike.
        static func body(_ count: Int) -> [UInt8] {
            (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 7) % 253) }
        }

        static let small = body(1000)
        static let big = body(300_000)

        /// Posts the small and the big body to `/echo` through `endpoint`, a connection each.
        static func echoBoth(_ endpoint: Endpoint) async throws -> [HTTPResponse] {
            try await offload {
                try [small, big].map { body in
                    try HTTPClient(endpoint, timeout: .seconds(30)).request("POST", "/echo", headers: [("Connection", "close")], body: body)
                }
            }
        }

        static func makeSpool(in fleet: InteropFleet) throws -> String {
            let spool = fleet.directory.file("spool")
            try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: true)
            return spool
        }

        @Test("HTTP router: bodies under and over --http-post-buffering reach a uWSGI node whole")
        func httpRouter() async throws {
            try await InteropFleet.run { fleet in
                let spool = try Self.makeSpool(in: fleet)
                try await fleet.startHTTPFleet([("node1", nil)], routerArguments: [
                    "--http-post-buffering", "4096", "--http-post-buffering-dir", spool,
                ])
                let responses = try await Self.echoBoth(try fleet.listener())
                #expect(responses.map(\.status) == [200, 200])
                #expect(responses.first?.body == Self.small)
                #expect(responses.last?.body == Self.big, "\(responses.last?.body.count ?? 0) bytes echoed of \(Self.big.count)")
                #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
            }
        }

        @Test("fast router: uWSGI HTTP router → fleetrouter fast router with post-buffering → uWSGI node, bodies whole")
        func fastRouter() async throws {
            try await InteropFleet.run { fleet in
                let spool = try Self.makeSpool(in: fleet)
                try await fleet.startRouter(FleetrouterArguments.fastRouter() + [
                    "--fastrouter-post-buffering", "4096", "--fastrouter-post-buffering-dir", spool,
                ])
                let nodes = try await fleet.startNodes([("node1", nil)], subscribingTo: [try fleet.subscriptionServer("fastrouter")])
                try await fleet.waitForSubscribed(nodes, on: try fleet.stats("fastrouter"))
                let front = Endpoint.unix(path: fleet.directory.file("front.sock"))
                try await fleet.startUwsgiHTTPRouter(listener: front.description, staticNodes: [try fleet.listener("fastrouter").description])
                let responses = try await Self.echoBoth(front)
                #expect(responses.map(\.status) == [200, 200])
                #expect(responses.first?.body == Self.small)
                #expect(responses.last?.body == Self.big, "\(responses.last?.body.count ?? 0) bytes echoed of \(Self.big.count)")
                #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
            }
        }
    }
}
