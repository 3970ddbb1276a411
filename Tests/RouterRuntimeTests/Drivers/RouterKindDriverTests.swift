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
        .sslrouter: ("SSLRouterDriver", true),
        .forkptyrouter: ("ForkptyRouterDriver", true),
        .tuntap: ("TuntapRouterDriver", true),
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
        #expect(RouterKind.servedOptions == "--http, --fastrouter, --rawrouter, --sslrouter, --forkptyrouter or --tuntap-router")
        #expect(throws: FleetRouterError.unsupported(option: "(no router)", reason: "configure at least one of --http, --fastrouter, --rawrouter, --sslrouter, --forkptyrouter or --tuntap-router")) {
            try FleetRouterProcess.checkSupported(RouterConfiguration())
        }
    }

    @Test("a TLS listener whose certificate or key is missing exits 2 naming the file", arguments: [
        (["--https2", "addr=:0,cert=/nonexistent/a.crt,key=/nonexistent/a.key", "--http-to", "127.0.0.1:1"], "/nonexistent/a.crt (certificate) does not exist"),
        (["--https", ":0,/nonexistent/b.crt,/nonexistent/b.key", "--http-to", "127.0.0.1:1"], "/nonexistent/b.crt (certificate) does not exist"),
        (["--sslrouter2", "addr=:0,cert=/nonexistent/c.crt,key=/nonexistent/c.key", "--sslrouter-to", "127.0.0.1:1"], "/nonexistent/c.crt (certificate) does not exist"),
    ])
    func tlsFilesRefusedOnTheCommandLine(arguments: [String], message: String) {
        let outcome = FleetRouterCommand.interpret(arguments: arguments) { path in throw MissingFile(missing: path) }
        guard case .exit(let status, _, let error) = outcome else {
            Issue.record("expected an exit for \(arguments), got \(outcome)")
            return
        }
        #expect(status == FleetRouterCommand.usageStatus)
        #expect(error.contains(message), "\(error)")
    }

    @Test("the served kinds accept a plain listener and build their pipeline",
          arguments: RouterKind.allCases.filter { $0.driver.isImplemented && $0 != .sslrouter && $0 != .tuntap })
    func servedKindsAcceptAPlainListener(kind: RouterKind) throws {
        var spec = RouterSpec(kind: kind)
        spec.listeners = [RouterListener(address: try ListenAddress(parsing: "127.0.0.1:0", for: .listen))]
        try kind.driver.checkSupported(spec)
        let pipeline = try kind.driver.clientProtocol(for: spec)
        // Stream routers relay a client's half-close to the node; the HTTP router ends the
        // request, and a forkpty client's EOF hangs up its pty.
        #expect(pipeline.allowsRemoteHalfClosure == (kind != .http && kind != .forkptyrouter))
    }

    @Test("the SSL router refuses a listener without certificate and key")
    func sslRouterNeedsTLSListeners() throws {
        var spec = RouterSpec(kind: .sslrouter)
        spec.listeners = [RouterListener(address: try ListenAddress(parsing: "127.0.0.1:0", for: .listen))]
        #expect(throws: FleetRouterError.unsupported(
            option: "127.0.0.1:0", reason: "an SSL router listener needs a certificate and key (--sslrouter2 addr=,cert=,key=)")) {
            try RouterKind.sslrouter.driver.checkSupported(spec)
        }
    }

    @Test("the served kinds take fd://N and zerg listeners but refuse uWSGI's =N shared sockets", arguments: RouterKind.allCases.filter { $0.driver.isImplemented && $0 != .sslrouter && $0 != .tuntap })
    func servedKindsRefuseSharedSockets(kind: RouterKind) throws {
        var spec = RouterSpec(kind: kind)
        spec.listeners = [RouterListener(address: try ListenAddress(parsing: "fd://3", for: .listen))]
        spec.zerg = ["/run/zerg.sock"]
        try kind.driver.checkSupported(spec)
        spec.listeners = [RouterListener(address: try ListenAddress(parsing: "=0", for: .listen))]
        #expect(throws: FleetRouterError.unsupported(
            option: "=0", reason: "=N names a --shared-socket, which the option parser puts in its place; a configuration built without it must give the address (or fd://N)")) {
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

    @Test("post-buffering is applied, not refused: the HTTP and fast drivers hand it to their listeners")
    func postBufferingReachesTheDataPlane() throws {
        let (configuration, _) = try RouterConfiguration.parse(arguments: [
            "--http", "127.0.0.1:0", "--http-to", "127.0.0.1:1", "--http-post-buffering", "8192", "--http-post-buffering-dir", "/var/spool/a",
            "--fastrouter", "127.0.0.1:0", "--fastrouter-to", "127.0.0.1:1", "--fastrouter-post-buffering", "4096",
        ], fileReader: { _ in "" })
        #expect(UnappliedOptions(configuration).refused.isEmpty)
        let http = try #require(configuration.router(.http))
        let options = HTTPRouterDriver().options(for: http, globalProxyProtocol: false)
        #expect(options.postBuffering == 8192 && options.postBufferingDirectory == "/var/spool/a")
        #expect(HTTPConnectionStateMachine.Configuration(options: options).postBuffering == 8192)
        let fast = try #require(configuration.router(.fastrouter))
        let stream = FastRouterDriver().streamOptions(for: fast)
        #expect(stream.postBuffering == 4096 && stream.postBufferingDirectory == nil)
        #expect(StreamConnectionStateMachine.Configuration(mode: .fast, options: stream).postBuffering == 4096)
    }
}
