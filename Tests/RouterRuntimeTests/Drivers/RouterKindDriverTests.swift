import RouterConfig
import RouterCore
import Testing
@testable import RouterRuntime

@Suite("router kind drivers")
struct RouterKindDriverTests {
    /// The driver each parsed kind must have. A kind added to `RouterKind` without a row here
    /// fails `everyKindHasItsDriver`; without a driver it does not compile.
    static let expected: [RouterKind: (driver: String, served: Bool)] = [
        .http: ("HTTPRouterDriver", true),
        .fastrouter: ("FastRouterDriver", true),
        .rawrouter: ("RawRouterDriver", true),
        .sslrouter: ("SSLRouterDriver", false),
        .forkptyrouter: ("ForkptyRouterDriver", true),
        .tuntap: ("TuntapRouterDriver", true),
    ]

    /// Command lines that configure each kind the runtime refuses, and the option it is refused by.
    static let refusedCommandLines: [(arguments: [String], option: String)] = [
        (["--sslrouter2", "addr=:0,cert=a.crt,key=a.key", "--sslrouter-to", "127.0.0.1:1"], "--sslrouter"),
        (["--sslrouter", ":0,a.crt,a.key", "--sslrouter-to", "127.0.0.1:1"], "--sslrouter"),
        (["--https2", "addr=:0,cert=a.crt,key=a.key", "--http-to", "127.0.0.1:1"], "--https"),
        (["--https", ":0,a.crt,a.key", "--http-to", "127.0.0.1:1"], "--https"),
        (["--http", ":0", "--http-to-https", ":0", "--http-to", "127.0.0.1:1"], "--http-to-https"),
    ]

    @Test("every parsed kind has its own driver", arguments: RouterKind.allCases)
    func everyKindHasItsDriver(kind: RouterKind) throws {
        let expected = try #require(Self.expected[kind], "no expected driver for --\(kind.prefix)")
        let driver = kind.driver
        #expect(driver.kind == kind)
        #expect("\(type(of: driver))" == expected.driver)
        #expect(driver.isImplemented == expected.served)
    }

    @Test("the served kinds are named in the no-router message")
    func servedOptions() {
        #expect(RouterKind.servedOptions == "--http, --fastrouter, --rawrouter, --forkptyrouter or --tuntap-router")
        #expect(throws: FleetRouterError.unsupported(option: "(no router)", reason: "configure at least one of --http, --fastrouter, --rawrouter, --forkptyrouter or --tuntap-router")) {
            try FleetRouterProcess.checkSupported(RouterConfiguration())
        }
    }

    @Test("an unserved kind's driver refuses it by name, with a reason, at check and at listener setup",
          arguments: RouterKind.allCases.filter { !$0.driver.isImplemented })
    func unservedKindsAreRefusedByName(kind: RouterKind) throws {
        let driver = kind.driver
        let option = driver.option
        var spec = RouterSpec(kind: kind)
        spec.listeners = [RouterListener(address: try ListenAddress(parsing: "127.0.0.1:0", for: .listen))]
        do {
            try driver.checkSupported(spec)
            Issue.record("--\(kind.prefix) was not refused")
        } catch {
            guard case .unsupported(let named, let reason) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(named == option)
            #expect(reason.hasPrefix("not implemented yet in fleetrouter: "))
            #expect(reason.count > "not implemented yet in fleetrouter: ".count + 20)
            #expect(throws: error) { _ = try driver.clientProtocol(for: spec) }
        }
    }

    @Test("a command line with an unserved kind exits 2 naming the kind's option",
          arguments: RouterKindDriverTests.refusedCommandLines)
    func refusedOnTheCommandLine(arguments: [String], option: String) {
        let outcome = FleetRouterCommand.interpret(arguments: arguments) { path in throw MissingFile(missing: path) }
        guard case .exit(let status, _, let error) = outcome else {
            Issue.record("expected an exit for \(arguments), got \(outcome)")
            return
        }
        #expect(status == FleetRouterCommand.usageStatus)
        #expect(error.contains("fleetrouter: error: not supported by fleetrouter: \(option): not implemented yet in fleetrouter: "), "\(error)")
    }

    @Test("the served kinds accept a plain listener and build their pipeline",
          arguments: RouterKind.allCases.filter { $0.driver.isImplemented && $0 != .tuntap })
    func servedKindsAcceptAPlainListener(kind: RouterKind) throws {
        var spec = RouterSpec(kind: kind)
        spec.listeners = [RouterListener(address: try ListenAddress(parsing: "127.0.0.1:0", for: .listen))]
        try kind.driver.checkSupported(spec)
        let pipeline = try kind.driver.clientProtocol(for: spec)
        // Stream routers relay a client's half-close to the node; the HTTP router ends the
        // request, and a forkpty client's EOF hangs up its pty.
        #expect(pipeline.allowsRemoteHalfClosure == (kind != .http && kind != .forkptyrouter))
    }

    @Test("the served kinds refuse shared sockets and zerg", arguments: RouterKind.allCases.filter { $0.driver.isImplemented && $0 != .tuntap })
    func servedKindsRefuseSharedSocketsAndZerg(kind: RouterKind) throws {
        var spec = RouterSpec(kind: kind)
        spec.listeners = [RouterListener(address: try ListenAddress(parsing: "127.0.0.1:0", for: .listen))]
        spec.zerg = ["/run/zerg.sock"]
        #expect(throws: FleetRouterError.unsupported(option: "--\(kind.prefix)-zerg", reason: "zerg sockets are not supported")) {
            try kind.driver.checkSupported(spec)
        }
    }

    @Test("only the fast router forces a key and falls back on no key", arguments: RouterKind.allCases.filter { $0.driver.isImplemented })
    func fastRouterPolicy(kind: RouterKind) {
        var spec = RouterSpec(kind: kind)
        spec.fastrouter.forceKey = "app.local"
        spec.fastrouter.fallbackOnNoKey = true
        var routing = RoutingConfiguration()
        kind.driver.configureRouting(&routing, for: spec)
        #expect(routing.fallbackOnNoKey == (kind == .fastrouter))
        #expect(kind.driver.forcedKey(for: spec) == (kind == .fastrouter ? RouteKey("app.local") : nil))
    }
}
