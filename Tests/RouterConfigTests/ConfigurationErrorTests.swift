import Testing
@testable import RouterConfig

@Suite struct ConfigurationErrorTests {
    @Test func unknownOptionNamesItAndSuggestsTheNearest() throws {
        let error = try #require(parseError(["--http", ":80", "--http-timout", "5"]))
        #expect(error.option == "--http-timout")
        #expect(error.source == .commandLine(position: 3))
        #expect(error.problem == .unknownOption(suggestion: "http-timeout"))
        #expect(error.description == "argument 3: unknown option --http-timout; did you mean --http-timeout?")
        // uWSGI names it --https-session-context; the http- form is an easy slip.
        #expect(parseError(["--http-session-context", "x"])?.problem == .unknownOption(suggestion: "https-session-context"))
        #expect(parseError(["--completely-unrelated-thing"])?.problem == .unknownOption(suggestion: nil))
        #expect(parseError(["-http", ":80"])?.problem == .unknownOption(suggestion: "http"))
        #expect(parseError(["stray"])?.description == "argument 1: unexpected argument 'stray': options start with --, files end in .ini, .yaml or .yml")
    }

    @Test func missingValue() throws {
        let error = try #require(parseError(["--http-to", "h:1", "--http"]))
        #expect(error.option == "--http" && error.source == .commandLine(position: 3))
        #expect(error.problem == .missingValue(expected: "ADDR"))
    }

    @Test func badPortNamesOptionAndValue() throws {
        let error = try #require(parseError(["--http", "127.0.0.1:99999"]))
        #expect(error.problem == .invalidValue("127.0.0.1:99999", expected: "an integer (port) between 0 and 65535"))
        #expect(error.description == "argument 1: option --http: invalid value '127.0.0.1:99999': expected an integer (port) between 0 and 65535")
        #expect(parseError(["--http", ":80", "--http-to", "127.0.0.1:0"])?.problem
            == .invalidValue("127.0.0.1:0", expected: "an integer (port) between 1 and 65535"))
    }

    @Test func badInt() throws {
        let error = try #require(parseError(["--http", ":80", "--http-timeout", "5s"]))
        #expect(error.option == "--http-timeout")
        #expect(error.problem == .invalidValue("5s", expected: "an integer (seconds) between 1 and 31536000"))
        #expect(parseError(["--http", ":80", "--http-workers=0"])?.problem == .invalidValue("0", expected: "an integer between 1 and 1024"))
        #expect(parseError(["--http-modifier1", "256"]) != nil)
        #expect(parseError(["--subscription-algo", "random"])?.problem == .invalidValue("random", expected: "one of wrr, lrc, wlrc, iphash"))
    }

    @Test func badBool() throws {
        // uWSGI takes any word but false/off/no/0 as true; fleetrouter refuses a word it cannot read.
        let error = try #require(parseError(["--http", ":80", "--http-quiet", "maybe"]))
        #expect(error.problem == .invalidValue("maybe", expected: "a boolean (true/false, yes/no, on/off, 1/0)"))
        #expect(parseError(["--http", ":80", "--http-cheap=perhaps"])?.option == "--http-cheap")
    }

    @Test func unsupportedOptionsSayWhy() throws {
        let error = try #require(parseError(["--http", ":80", "--daemonize", "/var/log/x.log"]))
        #expect(error.problem == .unsupported(reason: "run fleetrouter in the foreground under systemd or a container runtime"))
        #expect(error.description.contains("not supported by fleetrouter: --daemonize"))
        #expect(parseError(["--forkptyrouter", ":0", "--forkptyrouter-cheap"])?.problem
            == .unsupported(reason: "a forkpty router has no subscription server, so cheap mode would never end (uWSGI accepts it and never accepts a client)"))
        #expect(parseError(["--subscribe2", "server=127.0.0.1:7000,key=a"]) != nil)
    }

    @Test func validationErrors() throws {
        let noListener = try #require(parseError(["--http-to", "127.0.0.1:3031"]))
        #expect(noListener.option == "--http" && noListener.source == nil)
        guard case .invalidConfiguration(let reason) = noListener.problem else {
            Issue.record("expected a configuration problem, got \(noListener.problem)")
            return
        }
        #expect(reason.contains("no listener"))
        #expect(parseError(["--http", ":80"])?.problem
            == .invalidConfiguration(reason: "the HTTP router has no nodes: add --http-to, --http-subscription-server or another mapper (fleetrouter hosts no application)"))
        #expect(parseError(["--tuntap-router-stats", ":9000"]) != nil)
    }

    @Test func flagsTakeNoValueOnTheCommandLine() throws {
        // A flag followed by a plain word leaves the word as a stray argument.
        let error = try #require(parseError(["--http", ":80", "--http-to", "h:1", "--http-websockets", "1"]))
        #expect(error.option == "1" && error.source == .commandLine(position: 6))
        #expect(error.problem == .unexpectedArgument)
    }
}

/// `=N` listeners: each names one `--shared-socket`, once.
@Suite struct SharedSocketConfigurationTests {
    @Test("two router listeners naming the same =N are refused, naming the socket; distinct ones are taken")
    func sharedSocketNamedTwice() throws {
        let nodes = ["--http-to", "127.0.0.1:3031", "--fastrouter-to", "127.0.0.1:3031"]
        let twice = try #require(parseError(["--shared-socket", "127.0.0.1:8080", "--http", "=0", "--fastrouter", "=0"] + nodes))
        guard case .invalidConfiguration(let reason) = twice.problem else {
            Issue.record("expected an invalid configuration, got \(twice.problem)")
            return
        }
        #expect(reason.contains("--shared-socket number 0 (127.0.0.1:8080) is already named by another router listener"))
        #expect(parseError(["--shared-socket", "127.0.0.1:8080", "--shared-socket", "127.0.0.1:8081", "--http", "=0", "--fastrouter", "=1"] + nodes) == nil)
    }
}
