import DataPlaneTesting
import Foundation
import RouterCoreTesting
import Synchronization
import Testing
@testable import RouterRuntime
import NIOCore

@Suite("HTTP router under bounded load", .everyTransport)
struct LoadTests {
    @Test("2,000 requests over 16 keep-alive clients all succeed")
    func twoThousandRequests() async throws {
        let node = try await FakeUwsgiNode.start(.contentLength, group: RouterHarness.group)
        defer { Task { await node.stop() } }
        var options = HTTPRouterOptions()
        options.keepalive = true
        options.timeout = .seconds(60)
        let clients = 16
        let perClient = 125
        let ok = try await RouterHarness.withRouter(.http(options), nodes: [node.port]) { port, _, _ in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for c in 0..<clients {
                    group.addTask {
                        try await RouterHarness.blocking {
                            // The receive timeout only ends a broken run. A sanitizer, or the whole suite on a
                            // loaded 2-core machine, can hold one answer up for seconds: a clean-clone run saw
                            // this test take 89 s and several suites stall together for about 10 s, past the
                            // 10 s this was. A lost answer still fails it, 30 s later.
                            let client = try BlockingClient(port: port, timeoutSeconds: 30)
                            var good = 0
                            for r in 0..<perClient {
                                try client.send("GET /c\(c)/r\(r) HTTP/1.1\r\nHost: load.local\r\n\r\n")
                                let response = try client.readResponse()
                                if response.status == 200, response.vars["PATH_INFO"] == "/c\(c)/r\(r)" { good += 1 }
                            }
                            return good
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        #expect(ok == clients * perClient)
        #expect(node.requests.load(ordering: .relaxed) == clients * perClient)
    }
}
