import Testing
@testable import RouterConfig

@Suite("router kind rules")
struct RouterKindRulesTests {
    /// The listener option each kind's "no listener" error asks for. A kind added without a row
    /// here fails `noListenerNamesTheKindsListenerOption`.
    static let listenerOptions: [RouterKind: String] = [
        .http: "--http (or --https2, --http-to-https)",
        .fastrouter: "--fastrouter",
        .rawrouter: "--rawrouter",
        .sslrouter: "--sslrouter2",
        .forkptyrouter: "--forkptyrouter",
    ]

    @Test("every kind has rules with its own help heading")
    func everyKindHasRules() {
        let titles = RouterKind.allCases.map(\.rules.title)
        #expect(Set(titles).count == RouterKind.allCases.count)
        #expect(RouterKind.allCases.allSatisfy { $0.title == $0.rules.title && $0.title.contains("--plugin \($0 == .tuntap ? "tuntap" : $0.rawValue)") })
        #expect(RouterKind.allCases.filter { !$0.rules.isCorerouter } == [.tuntap])
        #expect(RouterKind.allCases.filter(\.rules.readsProxyProtocol) == [.http])
    }

    @Test("a corerouter without a listener is refused, naming how its listeners are written",
          arguments: RouterKind.allCases.filter(\.rules.isCorerouter))
    func noListenerNamesTheKindsListenerOption(kind: RouterKind) throws {
        let listener = try #require(Self.listenerOptions[kind], "no listener option expected for --\(kind.prefix)")
        #expect(kind.rules.listenerOptions == listener)
        let error = parseError(["--\(kind.prefix)-timeout", "5"])
        #expect(error?.option == "--\(kind.prefix)")
        #expect(error?.problem == .invalidConfiguration(reason: "--\(kind.prefix)-* options are set but the router has no listener: add \(listener) ADDR"))
    }

    @Test("the fast and raw routers without nodes start with a warning; forkpty refuses cheap and fallback")
    func kindNotices() throws {
        for kind: RouterKind in [.fastrouter, .rawrouter] {
            let (_, notices) = try parse(["--\(kind.prefix)", ":0"])
            #expect(notices.contains("warning: --\(kind.prefix) has no mapper and no fallback: every client will be closed"))
        }
        let (_, notices) = try parse(["--forkptyrouter", ":0"])
        #expect(!notices.contains { $0.contains("no mapper and no fallback") })
        for option in [["--forkptyrouter-cheap"], ["--forkptyrouter-fallback", "127.0.0.1:1"]] {
            guard case .unsupported(let reason)? = parseError(["--forkptyrouter", ":0"] + option)?.problem else {
                Issue.record("\(option) was not refused")
                continue
            }
            #expect(reason.contains("a forkpty router has no"), "\(reason)")
        }
    }

    @Test("a TLS listener keeps its own kind's session context")
    func sessionContextPerKind() throws {
        let (configuration, _) = try parse([
            "--https-session-context", "web", "--https2", "addr=:0,cert=a.crt,key=a.key", "--http-to", "127.0.0.1:1",
            "--sslrouter-session-context", "tls", "--sslrouter2", "addr=:0,cert=b.crt,key=b.key", "--sslrouter-to", "127.0.0.1:1",
        ])
        for (kind, expected) in [(RouterKind.http, "web"), (.sslrouter, "tls")] {
            let listener = try #require(configuration.router(kind)?.listeners.first)
            guard case .tls(let settings) = listener.mode else {
                Issue.record("--\(kind.prefix) listener is not TLS")
                continue
            }
            #expect(settings.sessionContext == expected)
        }
    }
}
