import NIOCore
import Testing
@testable import RouterRuntime

@Suite("--http-to-https redirect machine")
struct HTTPSRedirectStateMachineTests {
    static func machine(port: Int?) -> HTTPSRedirectStateMachine {
        var configuration = HTTPSRedirectStateMachine.Configuration(port: port, defaultHost: "router.test")
        configuration.headersTimeout = .seconds(3)
        return HTTPSRedirectStateMachine(configuration: configuration)
    }

    static func answer(_ action: HTTPSRedirectStateMachine.Action) -> String? {
        guard case .answer(let bytes) = action else { return nil }
        return String(buffer: bytes)
    }

    @Test("a head is answered as uWSGI does: 301 to https://HOST[:PORT]URI, the Host's port dropped", arguments: [
        (Optional(8443), "GET /a?b=1 HTTP/1.1\r\nHost: app.local:8080\r\n\r\n", "https://app.local:8443/a?b=1"),
        (nil, "GET /a HTTP/1.1\r\nHost: app.local\r\n\r\n", "https://app.local/a"),
        (nil, "GET / HTTP/1.0\r\n\r\n", "https://router.test/"),
        (Optional(443), "GET /x HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", "https://[::1]:443/x"),
    ])
    func redirects(port: Int?, request: String, location: String) {
        var machine = Self.machine(port: port)
        #expect(Self.answer(machine.clientRead(ByteBuffer(string: request))) == "HTTP/1.1 301 Moved Permanently\r\nLocation: \(location)\r\n\r\n")
        #expect(machine.clientRead(ByteBuffer(string: request)) == .none)
    }

    @Test("a head in pieces waits; the deadline answers 408 once; start arms it")
    func piecesAndDeadline() {
        var machine = Self.machine(port: nil)
        let now = NIODeadline.uptimeNanoseconds(5)
        #expect(machine.start(now: now) == .armTimer(now + .seconds(3)))
        #expect(machine.clientRead(ByteBuffer(string: "GET / HT")) == .none)
        #expect(Self.answer(machine.clientRead(ByteBuffer(string: "TP/1.1\r\nHost: h\r\n\r\n")))?.contains("Location: https://h/") == true)
        var late = Self.machine(port: nil)
        #expect(Self.answer(late.deadlineFired())?.hasPrefix("HTTP/1.1 408") == true)
        #expect(late.deadlineFired() == .none)
    }

    @Test("a bad head gets 400, an oversized one 431, a Host a URL cannot hold 400", arguments: [
        ("GET\r\n\r\n", "HTTP/1.1 400"),
        ("GET / HTTP/1.1\r\nHost: a" + String(repeating: "b", count: 9000) + "\r\n\r\n", "HTTP/1.1 431"),
        ("GET / HTTP/1.1\r\nHost: evil.example/@x\r\n\r\n", "HTTP/1.1 400"),
        ("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", "HTTP/1.1 400"),
    ])
    func refusals(request: String, status: String) {
        var machine = Self.machine(port: nil)
        #expect(Self.answer(machine.clientRead(ByteBuffer(string: request)))?.hasPrefix(status) == true)
    }
}
