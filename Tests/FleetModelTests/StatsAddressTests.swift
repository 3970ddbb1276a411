import Testing
@testable import FleetModel

@Suite struct StatsAddressTests {
    @Test(arguments: [
        ("127.0.0.1:9191", StatsAddress.tcp(host: "127.0.0.1", port: 9191)),
        ("localhost:1717", .tcp(host: "localhost", port: 1717)),
        (":9191", .tcp(host: "127.0.0.1", port: 9191)),
        ("[::1]:9191", .tcp(host: "::1", port: 9191)),
        ("/run/router.stats", .unix(path: "/run/router.stats")),
        ("/run/a:b.sock", .unix(path: "/run/a:b.sock")),
        ("./stats.sock", .unix(path: "./stats.sock")),
        ("stats.sock", .unix(path: "stats.sock")),
        ("@fleet-stats", .abstract(name: "fleet-stats")),
        ("http://127.0.0.1:9191/", .http(host: "127.0.0.1", port: 9191, path: "/")),
        ("http://127.0.0.1:9191", .http(host: "127.0.0.1", port: 9191, path: "/")),
        ("http://[::1]:9191/stats", .http(host: "::1", port: 9191, path: "/stats")),
        ("http://stats.local/", .http(host: "stats.local", port: 80, path: "/")),
        ("  127.0.0.1:9191 ", .tcp(host: "127.0.0.1", port: 9191)),
    ])
    func parsesEveryUWSGIForm(text: String, expected: StatsAddress) throws {
        #expect(try StatsAddress(parsing: text) == expected)
    }

    @Test(arguments: [
        ("", StatsAddressError.Problem.empty),
        ("   ", .empty),
        ("127.0.0.1:", .missingPort),
        ("127.0.0.1:http", .badPort("http")),
        ("127.0.0.1:0", .badPort("0")),
        ("127.0.0.1:65536", .badPort("65536")),
        ("127.0.0.1:-1", .badPort("-1")),
        ("::1:9191", .ipv6NeedsBrackets),
        ("[::1:9191", .unclosedBracket),
        ("[::1]9191", .missingPort),
        ("[]:9191", .missingHost),
        ("@", .emptyAbstractName),
        ("https://127.0.0.1:9191/", .unsupportedScheme("https")),
        ("http://", .missingHost),
        ("http://:9191/", .missingHost),
        ("127.0.0.1:91\n91", .controlCharacter),
    ])
    func rejectsBadAddressesWithTheReason(text: String, problem: StatsAddressError.Problem) {
        #expect(throws: StatsAddressError(input: text, problem: problem)) {
            try StatsAddress(parsing: text)
        }
    }

    @Test func errorMessageNamesInputAndExpectedForms() {
        let error = StatsAddressError(input: "host:http", problem: .badPort("http"))
        #expect(error.description.contains("'host:http'"))
        #expect(error.description.contains("1…65535"))
        #expect(error.description.contains("expected host:port"))
    }

    @Test(arguments: ["127.0.0.1:9191", "[::1]:9191", "/run/x.sock", "@abc", "http://[::1]:80/s", "http://h:8080/"])
    func canonicalTextParsesBackToTheSameAddress(text: String) throws {
        let address = try StatsAddress(parsing: text)
        #expect(try StatsAddress(parsing: address.description) == address)
    }

    @Test func derivedNames() throws {
        #expect(try StatsAddress(parsing: "127.0.0.1:9191").derivedName == "127.0.0.1:9191")
        #expect(try StatsAddress(parsing: "http://10.0.0.5:9191/stats").derivedName == "10.0.0.5:9191")
        #expect(try StatsAddress(parsing: "[::1]:9191").derivedName == "[::1]:9191")
        #expect(try StatsAddress(parsing: "/run/uwsgi/http.stats").derivedName == "http.stats")
        #expect(try StatsAddress(parsing: "@edge").derivedName == "@edge")
    }

    @Test func routersGivenByAddressGetUniqueNames() throws {
        let addresses = try ["/a/stats", "/b/stats", "127.0.0.1:1", "/c/stats"].map { try StatsAddress(parsing: $0) }
        let endpoints = RouterEndpoint.fromAddresses(addresses, tokenFile: "/t")
        #expect(endpoints.map(\.name) == ["stats", "stats#2", "127.0.0.1:1", "stats#3"])
        #expect(endpoints.allSatisfy { $0.tokenFile == "/t" })
    }
}
