import RouterConfig
import RouterCore
import Testing

@Suite("Code forwarder options: -use-code-string, -use-code-socket, -use-code-resolver, -code-timeout")
struct CodeForwarderOptionTests {
    func parse(_ arguments: [String]) throws -> RouterConfiguration {
        try RouterConfiguration.parse(arguments: arguments, fileReader: { _ in "" }).0
    }

    @Test("each option configures the code mapper of its router; the timeout defaults to 1000 ms")
    func options() throws {
        let socket = try #require(try parse(["--http", ":8080", "--http-use-code-socket", "/run/resolver.sock"]).router(.http))
        #expect(socket.useCodeSocket == "/run/resolver.sock" && socket.activeMapper == .code && socket.codeTimeoutMilliseconds == 1000)
        let named = try #require(try parse(["--rawrouter", ":9000", "--rawrouter-use-code-resolver", "tenants",
                                            "--rawrouter-code-timeout", "250"]).router(.rawrouter))
        #expect(named.useCodeResolver == "tenants" && named.activeMapper == .code && named.codeTimeoutMilliseconds == 250)
        let library = try #require(try parse(["--fastrouter", ":3000", "--fastrouter-use-code-string", "18:/lib/r.so:route"]).router(.fastrouter))
        #expect(library.useCodeString == CodeStringMapper(modifier1: 18, script: "/lib/r.so", function: "route"))
    }

    @Test("two code forwarders on one router are refused, naming both")
    func oneCodeForwarder() {
        #expect {
            _ = try parse(["--http", ":8080", "--http-use-code-string", "18:/lib/r.so:route", "--http-use-code-socket", "/run/r.sock"])
        } throws: { error in
            "\(error)".contains("--http-use-code-string and --http-use-code-socket are both set")
        }
    }

    @Test("bad values name what was expected", arguments: [
        ["--http-code-timeout", "0"], ["--http-code-timeout", "ten"], ["--http-use-code-string", "route.so"], ["--http-use-code-socket", ""],
    ])
    func badValues(extra: [String]) {
        #expect(throws: (any Error).self) { _ = try parse(["--http", ":8080"] + extra) }
    }
}
