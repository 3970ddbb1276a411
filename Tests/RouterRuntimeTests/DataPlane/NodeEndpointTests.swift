import NIOCore
import Testing
@testable import RouterRuntime

@Suite("Node addresses")
struct NodeEndpointTests {
    @Test("node addresses: host:port, :port, unix path; bad ones name the input")
    func endpoints() throws {
        #expect(try NodeEndpoint(resolving: "127.0.0.1:3031").socketAddress.port == 3031)
        #expect(try NodeEndpoint(resolving: ":8080").socketAddress.ipAddress == "127.0.0.1")
        #expect(try NodeEndpoint(resolving: "/tmp/app.sock").socketAddress.protocol == .unix)
        #expect(throws: EndpointError.invalidPort("h:99999")) { try NodeEndpoint(resolving: "h:99999") }
    }
}
