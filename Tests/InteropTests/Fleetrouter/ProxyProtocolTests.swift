import DataPlaneTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension Interop {
    /// HAProxy (`server … send-proxy`) in front of fleetrouter's HTTP router with PROXY v1 on.
    @Suite("fleetrouter behind HAProxy send-proxy", .requiresFleetrouter, .everyTransport)
    struct ProxyProtocolTests {
        /// A loopback TCP port free right now (bound to port 0, read back, closed).
        static func freePort() throws -> UInt16 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw InteropError("socket() failed") }
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard bound else { throw InteropError("bind() to 127.0.0.1:0 failed") }
            return UInt16(bigEndian: address.sin_port)
        }

        @Test("REMOTE_ADDR is the client's address from HAProxy's PROXY line, not HAProxy's own (127.0.0.3)")
        func haproxySendProxy() async throws {
            try await InteropFleet.run { fleet in
                try await fleet.startHTTPFleet([("node1", nil)], routerArguments: ["--http-enable-proxy-protocol"])
                guard case .inet(_, let routerPort) = try fleet.listener() else { throw InteropError("inet listener expected") }
                let port = try Self.freePort()
                let config = try fleet.directory.write("""
                    global
                        maxconn 100
                    defaults
                        mode tcp
                        timeout connect 5s
                        timeout client 30s
                        timeout server 30s
                    frontend front
                        bind 127.0.0.1:\(port)
                        default_backend fleet
                    backend fleet
                        server router 127.0.0.1:\(routerPort) send-proxy source 127.0.0.3

                    """, to: "haproxy.cfg")
                let haproxy = try await ManagedProcess.launch(
                    name: "haproxy", executable: URL(fileURLWithPath: "/usr/sbin/haproxy"), arguments: ["-db", "-f", config],
                    directory: fleet.directory.url)
                defer { Task { _ = await haproxy.stop(with: SIGTERM) } }
                let front = Endpoint.inet(host: "127.0.0.1", port: port)
                // Poll until HAProxy listens and answers through the router (bounded).
                let deadline = ContinuousClock.now + .seconds(20)
                var response: HTTPResponse?
                while response == nil, ContinuousClock.now < deadline {
                    response = try? await offload { try HTTPClient.get(front, "/env", timeout: .seconds(5)) }
                    if response == nil { try await Task.sleep(for: .milliseconds(50)) }
                }
                let answer = try #require(response, "no answer through HAProxy on port \(port)")
                #expect(answer.status == 200)
                let env = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: String]
                #expect(env?["REMOTE_ADDR"] == "127.0.0.1")
                #expect(env?["REMOTE_PORT"].flatMap(Int.init) != nil)
            }
        }
    }
}
