import Testing
@testable import RouterConfig
import RouterWire

@Suite struct ListenAddressTests {
    @Test(arguments: [
        ("127.0.0.1:8080", ListenAddress.Endpoint.inet(host: "127.0.0.1", port: 8080)),
        (":8080", .inet(host: "", port: 8080)),
        ("[::1]:8080", .inet(host: "::1", port: 8080)),
        ("[::]:0", .inet(host: "::", port: 0)),
        ("app.example.com:443", .inet(host: "app.example.com", port: 443)),
        ("/run/uwsgi/http.sock", .unix(path: "/run/uwsgi/http.sock")),
        ("relative.sock", .unix(path: "relative.sock")),
        ("@fleet-stats", .abstract(name: "fleet-stats")),
        ("=0", .sharedSocket(index: 0)),
        ("fd://3", .inheritedDescriptor(3)),
    ])
    func listenForms(text: String, expected: ListenAddress.Endpoint) throws {
        let address = try ListenAddress(parsing: text, for: .listen)
        #expect(address.endpoint == expected)
        #expect(address.configured == text)
    }

    @Test(arguments: [
        ("127.0.0.1:65536", "port"), ("127.0.0.1:-1", "port"), ("127.0.0.1:", "port"), ("127.0.0.1:http", "port"),
        ("::1:8080", "brackets"), ("[::1]8080", "[address]:port"), ("[]:80", "IPv6"), ("@", "abstract"),
        ("", "an address"), (" :80", "an address"), ("fd://x", "fd number"), ("=a", "shared socket"),
        ("/" + String(repeating: "p", count: 107), "107 bytes"),
    ])
    func malformedListenAddresses(text: String, expectedFragment: String) {
        #expect(throws: ValueError.self) { try ListenAddress(parsing: text, for: .listen) }
        do {
            _ = try ListenAddress(parsing: text, for: .listen)
        } catch {
            #expect(error.expected.contains(expectedFragment), "\(text): \(error.expected)")
        }
    }

    @Test func longestUnixPathFits() throws {
        let path = "/" + String(repeating: "p", count: 106)
        #expect(try ListenAddress(parsing: path, for: .listen).endpoint == .unix(path: path))
    }

    @Test func connectAddressesNeedAHostAndANonZeroPort() throws {
        #expect(throws: ValueError(expected: "host:port with a non-empty host")) {
            try ListenAddress(parsing: ":3031", for: .connect)
        }
        #expect(throws: ValueError.self) { try ListenAddress(parsing: "127.0.0.1:0", for: .connect) }
        #expect(throws: ValueError.self) { try ListenAddress(parsing: "fd://3", for: .connect) }
        #expect(try ListenAddress(parsing: "127.0.0.1:0", for: .bindDatagram).endpoint == .inet(host: "127.0.0.1", port: 0))
    }
}
