import Testing
@testable import RouterConfig

@Suite("--cache2, --cache, --cache-udp-server and -use-cache")
struct CacheOptionTests {
    @Test func cache2TakesNameItemsAndUDP() throws {
        let (configuration, _) = try parse([
            "--http", ":0", "--http-use-cache", "routes",
            "--cache2", "name=routes,items=10,udp=127.0.0.1:0", "--cache-udp-server", "127.0.0.1:0",
        ])
        #expect(configuration.caches.map(\.name) == ["routes"])
        #expect(configuration.caches.first?.items == 10)
        #expect(configuration.caches.first?.udpServers.map(\.configured) == ["127.0.0.1:0"])
        #expect(configuration.cacheUDPServers.map(\.configured) == ["127.0.0.1:0"])
        #expect(configuration.router(.http)?.useCache == "routes")
    }

    @Test func useCacheWithoutANameIsTheFirstCache() throws {
        let (configuration, _) = try parse(["--fastrouter", ":0", "--fastrouter-use-cache", "--cache", "5", "--cache2", "name=b,items=1"])
        #expect(configuration.cache(named: "")?.name == "default")
        #expect(configuration.cache(named: "b")?.items == 1)
    }

    @Test(arguments: [
        ["--cache2", "items=3"],
        ["--cache2", "name=x"],
        ["--cache2", "name=x,items=0"],
        ["--cache2", "name=x,items=99999999"],
        ["--cache2", "name=x,items=3,blocksize=64"],
        ["--cache2", "name=x,items=3", "--cache2", "name=x,items=4"],
        ["--cache2", "name=x,items=3,udp=nowhere:port"],
        ["--cache", "abc"],
    ])
    func malformedCachesAreRefused(_ arguments: [String]) {
        #expect(parseError(arguments) != nil)
    }

    @Test func useCacheNeedsAConfiguredCache() {
        let none = parseError(["--http", ":0", "--http-use-cache"])
        #expect(none?.description.contains("needs a cache") == true)
        let unknown = parseError(["--http", ":0", "--http-use-cache", "nope", "--cache2", "name=routes,items=3"])
        #expect(unknown?.description.contains("no such cache; configured: routes") == true)
        let udp = parseError(["--http", ":0", "--http-to", "127.0.0.1:1", "--cache-udp-server", "127.0.0.1:0"])
        #expect(udp?.description.contains("needs a cache") == true)
    }
}
