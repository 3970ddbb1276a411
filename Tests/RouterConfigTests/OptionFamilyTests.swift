import Testing
@testable import RouterConfig
import RouterCore
import RouterWire

@Suite struct OptionFamilyTests {
    @Test func defaultsAreUWSGIs() throws {
        let (configuration, _) = try parse(["--http", ":8080", "--http-to", "127.0.0.1:3031"])
        #expect(configuration.subscriptionTolerance == 17)
        #expect(configuration.subscriptionAlgorithm == .wrr)
        #expect(configuration.socketTimeout == 4)
        #expect(!configuration.statsHTTP && !configuration.subscriptionDotsplit)
        let http = try #require(configuration.router(.http))
        #expect(http.timeout == 60 && http.gracetime == 30 && http.maxRetries == 3 && http.workers == 1)
        #expect(http.bufferSize == 4096 && http.harakiri == 0 && http.events == nil && !http.quiet && !http.cheap)
        #expect(http.effectiveHeadersTimeout == 60 && http.effectiveConnectTimeout == 60)
        #expect(http.http == HTTPSettings())
    }

    @Test func corerouterOptionsApplyPerRouter() throws {
        let (configuration, _) = try parse([
            "--rawrouter", "0.0.0.0:2222", "--rawrouter-to", "10.0.0.1:22", "--rawrouter-timeout", "5",
            "--rawrouter-gracetime", "7", "--rawrouter-max-retries", "1", "--rawrouter-workers", "4",
            "--rawrouter-quiet", "1", "--rawrouter-buffer-size", "8192", "--rawrouter-harakiri", "20",
            "--rawrouter-cheap", "--rawrouter-subscription-server", "/run/sub.sock",
            "--rawrouter-fallback", "10.0.0.9:22", "--rawrouter-fallback", "/run/fb.sock",
            "--rawrouter-xclient", "--rawrouter-events", "128",
        ])
        let raw = try #require(configuration.router(.rawrouter))
        #expect(raw.timeout == 5 && raw.gracetime == 7 && raw.maxRetries == 1 && raw.workers == 4)
        #expect(raw.quiet && raw.bufferSize == 8192 && raw.harakiri == 20 && raw.cheap && raw.events == 128)
        #expect(raw.subscriptionServers.first?.endpoint == .unix(path: "/run/sub.sock"))
        #expect(raw.fallback.map(\.configured) == ["10.0.0.9:22", "/run/fb.sock"])
        #expect(raw.rawrouter.xclient)
        #expect(raw.listeners.first?.address.configured == "0.0.0.0:2222")
    }

    @Test(arguments: ["stats", "stats-server", "ss"])
    func statsAliases(alias: String) throws {
        let (configuration, _) = try parse(["--fastrouter", ":3000", "--fastrouter-\(alias)", "@fr-stats",
                                            "--fastrouter-to", "127.0.0.1:3031"])
        #expect(configuration.router(.fastrouter)?.statsAddress?.endpoint == .abstract(name: "fr-stats"))
    }

    @Test func workersAndProcessesAreAliases() throws {
        let a = try parse(["--http", ":80", "--http-to", "127.0.0.1:1", "--http-processes", "3"]).configuration
        let b = try parse(["--http", ":80", "--http-to", "127.0.0.1:1", "--http-workers", "3"]).configuration
        #expect(a == b)
        #expect(a.router(.http)?.workers == 3)
    }

    @Test func repeatablesKeepOrderAndSingleValuesTakeTheLast() throws {
        let (configuration, _) = try parse([
            "--http", ":80", "--http", "[::1]:8080", "--http", "/run/http.sock",
            "--http-to", "b:2", "--http-to", "a:1", "--http-to", "c:3",
            "--http-var", "A=1", "--http-var", "B=", "--http-var", "A=3=4",
            "--http-timeout", "10", "--http-timeout", "20",
        ])
        let http = try #require(configuration.router(.http))
        #expect(http.listeners.map(\.address.configured) == [":80", "[::1]:8080", "/run/http.sock"])
        #expect(http.listeners[1].address.endpoint == .inet(host: "::1", port: 8080))
        #expect(http.staticNodes.map(\.configured) == ["b:2", "a:1", "c:3"])
        #expect(http.http.vars == [HTTPVar(name: "A", value: "1"), HTTPVar(name: "B", value: ""), HTTPVar(name: "A", value: "3=4")])
        #expect(http.timeout == 20)
    }

    @Test func httpOptions() throws {
        let (configuration, _) = try parse([
            "--http", ":80", "--http-to", "127.0.0.1:3031", "--http-keepalive", "5", "--http-timeout", "30",
            "--http-headers-timeout", "3", "--http-chunked-input", "--http-auto-chunked", "--http-websockets",
            "--http-modifier1", "5", "--http-modifier2", "7", "--http-server-name-as-http-host", "true",
            "--http-enable-proxy-protocol", "--http-manage-expect", "1000", "--http-raw-body=false",
            "--http-subscription-fallback-key", "default.local", "--http-resubscribe", "10.0.0.2:7000",
        ])
        let http = try #require(configuration.router(.http))
        #expect(http.http.keepalive == .idleTimeout(seconds: 5))
        #expect(http.effectiveHeadersTimeout == 3 && http.effectiveConnectTimeout == 30)
        #expect(http.http.chunkedInput && http.http.autoChunked && http.http.websockets)
        #expect(http.http.modifier1 == 5 && http.http.modifier2 == 7)
        #expect(http.http.serverNameAsHTTPHost && http.http.enableProxyProtocol && !http.http.rawBody)
        #expect(http.http.manageExpect == .limit(bytes: 1000))
        #expect(http.subscriptionFallbackKey == "default.local")
        #expect(http.resubscribe.map(\.configured) == ["10.0.0.2:7000"])
    }

    @Test(arguments: [(["--http-keepalive"], HTTPSettings.Keepalive.on),
                      (["--http-keepalive=0"], .off), (["--http-keepalive", "1"], .on),
                      (["--http-keepalive=30"], .idleTimeout(seconds: 30))])
    func keepaliveForms(arguments: [String], expected: HTTPSettings.Keepalive) throws {
        let (configuration, _) = try parse(["--http", ":80", "--http-to", "h:1"] + arguments)
        #expect(configuration.router(.http)?.http.keepalive == expected)
    }

    @Test func modifiersAreIndependentAndTheUWSGIOrderTrapIsReported() throws {
        // uWSGI zeroes modifier2 when modifier1 comes after it; fleetrouter keeps both and says so.
        let (configuration, notices) = try parse(["--http", ":80", "--http-to", "h:1",
                                                  "--http-modifier2", "7", "--http-modifier1", "5"])
        #expect(configuration.router(.http)?.http.modifier1 == 5)
        #expect(configuration.router(.http)?.http.modifier2 == 7)
        #expect(notices.contains { $0.contains("--http-modifier1") && $0.contains("uWSGI would reset --http-modifier2") })
        let reverse = try parse(["--http", ":80", "--http-to", "h:1", "--http-modifier1", "5", "--http-modifier2", "7"])
        #expect(reverse.configuration == configuration)
        #expect(!reverse.notices.contains { $0.contains("modifier2") })
    }

    @Test func httpsListenersTakeTheSessionContextInForceWhenDeclared() throws {
        let (configuration, _) = try parse([
            "--https2", "addr=:443,cert=a.crt,key=a.key", "--https-session-context", "shared",
            "--https2", "addr=:8443,crt=b.crt,key=b.key,ciphers=HIGH,clientca=!ca.pem",
            "--https", ":9443,c.crt,c.key,,opt-ca.pem", "--http-to-https", ":80,443", "--http-to", "127.0.0.1:3031",
        ])
        let listeners = try #require(configuration.router(.http)).listeners
        #expect(listeners.count == 4)
        #expect(listeners[0].mode == .tls(TLSListenerSettings(certificateFile: "a.crt", privateKeyFile: "a.key")))
        #expect(listeners[1].mode == .tls(TLSListenerSettings(certificateFile: "b.crt", privateKeyFile: "b.key", ciphers: "HIGH",
                                                               clientCAFile: "ca.pem", clientCertificateRequired: true,
                                                               sessionContext: "shared")))
        #expect(listeners[2].mode == .tls(TLSListenerSettings(certificateFile: "c.crt", privateKeyFile: "c.key",
                                                               clientCAFile: "opt-ca.pem", sessionContext: "shared")))
        #expect(listeners[3].mode == .redirectToHTTPS(port: 443))
        #expect(parseError(["--https2", "addr=:443,cert=a.crt,key=a.key,spdy=1", "--http-to", "h:1"])?.problem
            == .invalidValue("addr=:443,cert=a.crt,key=a.key,spdy=1", expected: "no spdy= (SPDY is obsolete and not supported by fleetrouter)"))
        #expect(parseError(["--https2", "addr=:443,cert=a.crt", "--http-to", "h:1"]) != nil)
    }

    @Test func fastrouterOptions() throws {
        let (configuration, notices) = try parse([
            "--fastrouter", "/run/fr.sock", "--fastrouter-force-key", "app.local", "--fastrouter-fallback-on-no-key",
            "--fastrouter-fallback", "127.0.0.1:4000", "--fastrouter-use-pattern", "/run/apps/%s.sock",
            "--fastrouter-post-buffering", "65536", "--fastrouter-max-retries", "2",
        ])
        let router = try #require(configuration.router(.fastrouter))
        #expect(router.fastrouter.forceKey == "app.local" && router.fastrouter.fallbackOnNoKey)
        #expect(router.postBuffering == 65536 && router.maxRetries == 2)
        #expect(router.activeMapper == .pattern("/run/apps/%s.sock"))
        #expect(notices.contains { $0.contains("master-only") })
    }

    @Test func mappersAreKeptAndTheActiveOneFollowsUWSGIPriority() throws {
        let (configuration, notices) = try parse([
            "--fastrouter", ":3000", "--fastrouter-to", "127.0.0.1:3031", "--fastrouter-use-base", "/run/apps/",
            "--fastrouter-use-code-string", "0:/etc/router:v2.py:route", "--fastrouter-use-cache", "--fastrouter-use-socket", "--cache", "10",
        ])
        let router = try #require(configuration.router(.fastrouter))
        #expect(router.useCodeString == CodeStringMapper(modifier1: 0, script: "/etc/router:v2.py", function: "route"))
        #expect(router.useCache == "" && router.useSocket == 0 && router.useBase == "/run/apps/")
        #expect(router.configuredMappers == [.cache, .base("/run/apps/"), .code, .socket(0), .staticNodes])
        #expect(notices.contains { $0.contains("--fastrouter-use-cache is the active mapper") && $0.contains("--fastrouter-to") })
    }

    @Test func staticNodesNextToASubscriptionServerAreReportedHidden() throws {
        let (_, notices) = try parse(["--http", ":80", "--http-to", "127.0.0.1:3031",
                                      "--http-subscription-server", "127.0.0.1:7000"])
        #expect(notices.contains("warning: --http-subscription-server is the active mapper; --http-to ignored (uWSGI uses one mapper per router)"))
    }

    @Test func cheapWithoutSubscriptionServerIsAWarning() throws {
        let (_, notices) = try parse(["--http", ":80", "--http-to", "h:1", "--http-cheap"])
        #expect(notices.contains { $0.hasPrefix("warning: --http-cheap without --http-subscription-server") })
    }

    @Test func otherRouterKindsParse() throws {
        let (configuration, _) = try parse([
            "--sslrouter2", "addr=:4443,cert=s.crt,key=s.key", "--sslrouter-sni", "--sslrouter-to", "127.0.0.1:443",
            "--forkpty-router", "/run/pty.sock", "--forkptyurouter", ":5000", "--forkptyrouter-cmd", "/bin/bash -l",
            "--forkptyrouter-rows", "50",
            "--tuntap-router", "tun0 /run/tuntap.sock 127.0.0.1:9999 192.168.0.1:4000",
            "--tuntap-router-firewall-out", "deny 10.0.0.0/8 0.0.0.0",
        ])
        #expect(configuration.routers.map(\.kind) == [.sslrouter, .forkptyrouter, .tuntap])
        #expect(configuration.router(.sslrouter)?.sslrouter.routeBySNI == true)
        let pty = try #require(configuration.router(.forkptyrouter))
        #expect(pty.listeners.map(\.mode) == [.plain, .uwsgiFramed])
        #expect(pty.forkpty.command == "/bin/bash -l" && pty.forkpty.rows == 50 && pty.forkpty.cols == 80)
        let tuntap = try #require(configuration.router(.tuntap)).tuntap
        #expect(tuntap.routers.first?.device == "tun0")
        #expect(tuntap.routers.first?.gateway?.endpoint == .inet(host: "192.168.0.1", port: 4000))
        #expect(tuntap.firewallOut == [TuntapFirewallRule(
            allows: false, source: .init(address: 0x0a00_0000, mask: 0xff00_0000), destination: .init(address: 0, mask: .max))])
    }

    @Test func instanceAndFleettopOptions() throws {
        let (configuration, notices) = try parse([
            "--http", ":80", "--http-subscription-server", ":7000", "--subscription-algo", "WLRC",
            "--subscription-dotsplit", "--stats-http", "--socket-timeout", "9", "--subscriptions-sign-check", "SHA1:/keys",
            "--subscriptions-sign-skip-uid", "0", "--subscriptions-sign-skip-uid", "33",
            "--admin", "/run/fleetrouter/admin.sock", "--admin-token-file", "/etc/fleetrouter/token",
            "--state-file", "/var/lib/fleetrouter/state.json",
        ])
        #expect(configuration.subscriptionAlgorithm == .wlrc && configuration.subscriptionDotsplit)
        #expect(configuration.statsHTTP && configuration.socketTimeout == 9)
        #expect(configuration.signCheck == SignCheck(digest: "SHA1", directory: "/keys"))
        #expect(configuration.signSkipUIDs == [0, 33])
        #expect(configuration.admin?.endpoint == .unix(path: "/run/fleetrouter/admin.sock"))
        #expect(configuration.adminTokenFile == "/etc/fleetrouter/token")
        #expect(configuration.stateFile == "/var/lib/fleetrouter/state.json")
        #expect(notices.isEmpty)
        let open = try parse(["--http", ":80", "--http-to", "h:1", "--admin", "127.0.0.1:9000"]).notices
        #expect(open.contains { $0.contains("without --admin-token-file") })
    }

    @Test func quietFollowsUWSGIBooleanWords() throws {
        for (word, expected) in [("1", true), ("0", false), ("Off", false), ("NO", false), ("yes", true), ("true", true)] {
            let (configuration, _) = try parse(["--http", ":80", "--http-to", "h:1", "--http-quiet", word])
            #expect(configuration.router(.http)?.quiet == expected, "quiet \(word)")
        }
    }
}
