import Testing
@testable import RouterConfig
import RouterCore
import RouterWire

/// The uWSGI router command lines of a reference uWSGI fleet (HTTP, fast and raw routers with
/// subscription and stats servers), with its default values, parse unchanged.
@Suite struct ReferenceFleetCommandLineTests {
    static let common = ["--master", "--die-on-term", "--strict", "--vacuum"]

    @Test func httpRouterOfTheReferenceFleet() throws {
        let arguments = ["--plugin", "http"] + Self.common + [
            "--http", "127.0.0.1:18080",
            "--http-subscription-server", "127.0.0.1:17070",
            "--http-stats", "127.0.0.1:17080",
            "--stats", "127.0.0.1:17090",
            "--subscription-tolerance", "17",
            "--pidfile", "/tmp/uwsgi-fleet.x/http-router.pid",
        ]
        let (configuration, notices) = try parse(arguments)
        #expect(configuration.routers.map(\.kind) == [.http])
        let http = try #require(configuration.router(.http))
        #expect(http.listeners == [RouterListener(address: try ListenAddress(parsing: "127.0.0.1:18080", for: .listen))])
        #expect(http.listeners.first?.address.endpoint == .inet(host: "127.0.0.1", port: 18080))
        #expect(http.subscriptionServers.map(\.configured) == ["127.0.0.1:17070"])
        #expect(http.statsAddress?.configured == "127.0.0.1:17080")
        #expect(http.activeMapper == .subscription)
        #expect(configuration.subscriptionTolerance == 17)
        #expect(notices.contains("ignored: --plugin http (uWSGI-only: fleetrouter has every router built in)"))
        for flag in ["--master", "--die-on-term", "--strict", "--vacuum"] {
            #expect(notices.contains { $0.hasPrefix("ignored: \(flag) (") }, "no notice for \(flag)")
        }
        #expect(notices.contains { $0.hasPrefix("ignored: --stats 127.0.0.1:17090 (") })
        #expect(notices.contains { $0.hasPrefix("ignored: --pidfile /tmp/uwsgi-fleet.x/http-router.pid (") })
        #expect(notices.count == 7)
    }

    @Test func fastrouterOfTheReferenceFleet() throws {
        let arguments = ["--plugin", "fastrouter"] + Self.common + [
            "--fastrouter", "127.0.0.1:18081",
            "--fastrouter-subscription-server", "127.0.0.1:17071",
            "--fastrouter-stats", "127.0.0.1:17081",
            "--stats", "127.0.0.1:17091",
            "--subscription-tolerance", "17",
            "--pidfile", "/tmp/run/fastrouter.pid",
        ]
        let (configuration, _) = try parse(arguments)
        let router = try #require(configuration.router(.fastrouter))
        #expect(configuration.routers.count == 1)
        #expect(router.listeners.map(\.address.configured) == ["127.0.0.1:18081"])
        #expect(router.subscriptionServers.map(\.configured) == ["127.0.0.1:17071"])
        #expect(router.statsAddress?.endpoint == .inet(host: "127.0.0.1", port: 17081))
        #expect(router.timeout == 60 && router.maxRetries == 3 && router.workers == 1)
    }

    @Test func benchRoutersWithAndWithoutKeepalive() throws {
        let plain = try parse(["--plugin", "http", "--master", "--die-on-term", "--strict",
                               "--http", "127.0.0.1:19080", "--http-subscription-server", "127.0.0.1:19070",
                               "--http-stats", "127.0.0.1:19071", "--pidfile", "/tmp/r/router.pid"]).configuration
        #expect(plain.router(.http)?.http.keepalive == .off)
        // --http-keepalive takes an optional value; the next option must not be eaten as one.
        let keepalive = try parse(["--plugin", "http", "--master", "--die-on-term", "--strict",
                                   "--http", "127.0.0.1:19081", "--http-keepalive",
                                   "--http-subscription-server", "127.0.0.1:19072",
                                   "--pidfile", "/tmp/r/router-ka.pid"]).configuration
        let http = try #require(keepalive.router(.http))
        #expect(http.http.keepalive == .on)
        #expect(http.subscriptionServers.map(\.configured) == ["127.0.0.1:19072"])
        #expect(http.statsAddress == nil)
    }

    @Test func cheapModeRouters() throws {
        let http = try parse(["--plugin", "http", "--master", "--die-on-term", "--strict",
                              "--http", "127.0.0.1:20080", "--http-cheap",
                              "--http-subscription-server", "127.0.0.1:20070", "--http-stats", "127.0.0.1:20071",
                              "--pidfile", "/tmp/r/http-cheap.pid"])
        #expect(http.configuration.router(.http)?.cheap == true)
        #expect(!http.notices.contains { $0.hasPrefix("warning:") })
        let fastrouter = try parse(["--plugin", "fastrouter", "--master", "--die-on-term", "--strict",
                                    "--fastrouter", "127.0.0.1:20081", "--fastrouter-cheap",
                                    "--fastrouter-subscription-server", "127.0.0.1:20072",
                                    "--fastrouter-stats", "127.0.0.1:20073", "--pidfile", "/tmp/r/fr-cheap.pid"])
        #expect(fastrouter.configuration.router(.fastrouter)?.cheap == true)
    }

    @Test func severalRoutersInOneProcessKeepFirstMentionOrder() throws {
        let (configuration, _) = try parse([
            "--fastrouter-to", "127.0.0.1:3031", "--http", ":8080", "--fastrouter", ":3000",
            "--rawrouter", ":2222", "--rawrouter-to", "127.0.0.1:22", "--http-to", "127.0.0.1:3031",
        ])
        #expect(configuration.routers.map(\.kind) == [.fastrouter, .http, .rawrouter])
        #expect(configuration.router(.rawrouter)?.listeners.first?.address.endpoint == .inet(host: "", port: 2222))
    }
}
