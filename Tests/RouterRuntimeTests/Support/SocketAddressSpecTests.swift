import NIOCore
import RouterConfig
import Testing
@testable import RouterRuntime

@Suite("SocketAddressSpec and LogRateLimiter")
struct SocketAddressSpecTests {
    @Test("uWSGI address forms parse, keeping the configured text", arguments: [
        ("127.0.0.1:3031", SocketAddressSpec.Kind.inet(host: "127.0.0.1", port: 3031)),
        (":3031", .inet(host: "", port: 3031)),
        ("[::1]:0", .inet(host: "::1", port: 0)),
        ("localhost:80", .inet(host: "localhost", port: 80)),
        ("/run/router.sock", .unixPath("/run/router.sock")),
        ("router.sock", .unixPath("router.sock")),
        ("@fleet", .abstract("fleet")),
    ])
    func parses(text: String, kind: SocketAddressSpec.Kind) throws {
        let spec = try SocketAddressSpec(parsing: text)
        #expect(spec.kind == kind)
        #expect(spec.configured == text)
    }

    @Test("bad addresses are typed errors naming the input", arguments: [
        "", "@", "host:", "host:65536", "host:-1", "::1:80", "[::1:80", "host:8o", String(repeating: "p", count: 108),
    ])
    func rejects(text: String) {
        #expect {
            _ = try SocketAddressSpec(parsing: text)
        } throws: { error in
            guard case RuntimeError.invalidAddress(let named, _) = error else { return false }
            return named == text
        }
    }

    @Test(":port resolves to 0.0.0.0")
    func emptyHost() throws {
        let address = try SocketAddressSpec(parsing: ":3031").resolved()
        #expect(address.ipAddress == "0.0.0.0" && address.port == 3031)
    }

    @Test("the log limiter allows a burst per window and reports what it suppressed")
    func limiter() {
        var limiter = LogRateLimiter(burst: 2, interval: .seconds(10))
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        #expect(limiter.record(at: start) == .log(suppressedBefore: 0))
        #expect(limiter.record(at: start + .seconds(1)) == .log(suppressedBefore: 0))
        #expect(limiter.record(at: start + .seconds(2)) == .suppress)
        #expect(limiter.record(at: start + .seconds(3)) == .suppress)
        #expect(limiter.record(at: start + .seconds(11)) == .log(suppressedBefore: 2))
    }
}
