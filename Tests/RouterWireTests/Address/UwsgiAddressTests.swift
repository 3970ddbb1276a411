import Testing
import RouterWire

@Suite("One uWSGI address parser")
struct UwsgiAddressTests {
    typealias Problem = UwsgiAddressError.Problem

    @Test("every form parses, keeping the configured text", arguments: [
        ("127.0.0.1:8080", UwsgiAddress.Endpoint.inet(host: "127.0.0.1", port: 8080)),
        (":8080", .inet(host: "", port: 8080)),
        ("[::1]:8080", .inet(host: "::1", port: 8080)),
        ("[fe80::1%eth0]:0", .inet(host: "fe80::1%eth0", port: 0)),
        ("app.example.com:65535", .inet(host: "app.example.com", port: 65535)),
        ("/run/uwsgi/http.sock", .unix(path: "/run/uwsgi/http.sock")),
        ("relative.sock", .unix(path: "relative.sock")),
        ("@fleet-stats", .abstract(name: "fleet-stats")),
        ("=0", .sharedSocket(index: 0)),
        ("fd://3", .inheritedDescriptor(3)),
    ])
    func listenForms(text: String, expected: UwsgiAddress.Endpoint) throws {
        let address = try UwsgiAddress(parsing: text, rules: .listen)
        #expect(address.endpoint == expected)
        #expect(address.configured == text)
        #expect(address.modifiers.isEmpty)
        #expect(address.description == text)
    }

    @Test("a path-prefixed address is a path for nodes and clients, IP for listeners")
    func pathPrefix() throws {
        #expect(try UwsgiAddress(parsing: "/run/a:b.sock", rules: .node).endpoint == .unix(path: "/run/a:b.sock"))
        #expect(try UwsgiAddress(parsing: "./a:b.sock", rules: .client).endpoint == .unix(path: "./a:b.sock"))
        #expect(throws: UwsgiAddressError(input: "/run/a:80", problem: .badHost("/run/a"))) {
            try UwsgiAddress(parsing: "/run/a:80", rules: .listen)
        }
    }

    @Test("nodes accept an unbracketed IPv6 host split at the last colon; listeners refuse it")
    func unbracketedIPv6() throws {
        #expect(try UwsgiAddress(parsing: "::1:3031", rules: .node).endpoint == .inet(host: "::1", port: 3031))
        #expect(throws: UwsgiAddressError(input: "::1:3031", problem: .ipv6NeedsBrackets)) {
            try UwsgiAddress(parsing: "::1:3031", rules: .listen)
        }
        #expect(throws: UwsgiAddressError(input: "x:y:3031", problem: .ipv6NeedsBrackets)) {
            try UwsgiAddress(parsing: "x:y:3031", rules: .node)
        }
    }

    @Test("client rules trim whitespace; other rules refuse it")
    func whitespace() throws {
        #expect(try UwsgiAddress(parsing: "  127.0.0.1:1 ", rules: .client).configured == "127.0.0.1:1")
        #expect(throws: UwsgiAddressError(input: " :80", problem: .surroundingWhitespace)) {
            try UwsgiAddress(parsing: " :80", rules: .listen)
        }
    }

    @Test(",modifier fields are split off only where the rules allow them")
    func modifiers() throws {
        let tls = try UwsgiAddress(parsing: ":9443,c.crt,c.key,,ca.pem", rules: UwsgiAddress.Rules.listen.withModifiers)
        #expect(tls.endpoint == .inet(host: "", port: 9443))
        #expect(tls.configured == ":9443")
        #expect(tls.modifiers == ["c.crt", "c.key", "", "ca.pem"])
        let redirect = try UwsgiAddress(parsing: "/run/r.sock,443", rules: UwsgiAddress.Rules.listen.withModifiers)
        #expect(redirect.endpoint == .unix(path: "/run/r.sock") && redirect.modifiers == ["443"])
        #expect(throws: UwsgiAddressError(input: ",443", problem: .empty)) {
            try UwsgiAddress(parsing: ",443", rules: UwsgiAddress.Rules.listen.withModifiers)
        }
        #expect(throws: UwsgiAddressError(input: "h,x:80", problem: .badHost("h,x"))) {
            try UwsgiAddress(parsing: "h,x:80", rules: .listen)
        }
    }

    @Test("each malformed address is a typed error naming the input", arguments: [
        ("", UwsgiAddress.Rules.listen, Problem.empty),
        ("   ", .client, .empty),
        ("127.0.0.1:80\n", .listen, .surroundingWhitespace),
        ("127.0.0.1:8\u{7F}0", .listen, .controlCharacter),
        ("/run/a\u{1}.sock", .node, .controlCharacter),
        ("@", .listen, .emptyAbstractName),
        ("@" + String(repeating: "n", count: 108), .listen, .abstractNameTooLong(length: 108, limit: 107)),
        ("/" + String(repeating: "p", count: 107), .listen, .unixPathTooLong(length: 108, limit: 107)),
        ("fd://3", .connect, .inheritedSocketNotAllowed),
        ("=1", .bindDatagram, .inheritedSocketNotAllowed),
        ("fd://x", .listen, .badDescriptor("x")),
        ("fd://65536", .listen, .badDescriptor("65536")),
        ("=a", .listen, .badSharedSocketIndex("a")),
        ("[::1:80", .listen, .unclosedBracket),
        ("[::1]80", .listen, .missingPortAfterBracket),
        ("[]:80", .listen, .emptyBrackets),
        ("[host]:80", .listen, .badIPv6Literal("host")),
        ("[abc]:80", .listen, .badIPv6Literal("abc")),
        ("[::1%]:80", .listen, .badIPv6Literal("::1%")),
        ("::1:80", .listen, .ipv6NeedsBrackets),
        ("my host:80", .listen, .badHost("my host")),
        (":3031", .connect, .emptyHost),
        ("127.0.0.1:", .listen, .missingPort),
        ("127.0.0.1:http", .listen, .badPort("http", allowed: 0...65535)),
        ("127.0.0.1:-1", .listen, .badPort("-1", allowed: 0...65535)),
        ("127.0.0.1:+80", .listen, .badPort("+80", allowed: 0...65535)),
        ("127.0.0.1:65536", .listen, .badPort("65536", allowed: 0...65535)),
        ("127.0.0.1:0", .connect, .badPort("0", allowed: 1...65535)),
        ("127.0.0.1:0", .client, .badPort("0", allowed: 1...65535)),
        // A port long enough to overflow Int if read naively is refused, not trapped on.
        ("h:99999999999999999999999", .listen, .badPort("99999999999999999999999", allowed: 0...65535)),
        ("h:0000080", .listen, .badPort("0000080", allowed: 0...65535)),
    ])
    func malformed(text: String, rules: UwsgiAddress.Rules, problem: Problem) {
        #expect(throws: UwsgiAddressError(input: text, problem: problem)) {
            try UwsgiAddress(parsing: text, rules: rules)
        }
    }

    @Test("the longest path and abstract name fit; a custom abstract limit applies")
    func limits() throws {
        let path = "/" + String(repeating: "p", count: 106)
        #expect(try UwsgiAddress(parsing: path, rules: .listen).endpoint == .unix(path: path))
        let name = String(repeating: "n", count: 107)
        #expect(try UwsgiAddress(parsing: "@" + name, rules: .listen).endpoint == .abstract(name: name))
        let shorter = UwsgiAddress.Rules(maximumAbstractNameLength: 106)
        #expect(throws: UwsgiAddressError(input: "@" + name, problem: .abstractNameTooLong(length: 107, limit: 106))) {
            try UwsgiAddress(parsing: "@" + name, rules: shorter)
        }
    }

    @Test("messages name the input and what was expected")
    func messages() {
        let error = UwsgiAddressError(input: "h:http", problem: .badPort("http", allowed: 1...65535))
        #expect(error.description == "bad address 'h:http': expected an integer (port) between 1 and 65535")
        #expect(UwsgiAddressError(input: ":1", problem: .emptyHost).expected == "host:port with a non-empty host")
    }
}
