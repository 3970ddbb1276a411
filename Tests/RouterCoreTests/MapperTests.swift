import RouterCore
import RouterCoreTesting
import Testing

/// A resolver for tests: `<key>.sock`, or nil for keys starting with "none".
struct SuffixResolver: RouteResolver {
    func resolve(key: RouteKey) -> NodeAddress? {
        key.string.hasPrefix("none") ? nil : NodeAddress(address: "/run/\(key).sock", modifier1: 5)
    }
}

@Suite struct MapperPrecedenceTests {
    func configuration() -> RoutingConfiguration {
        var configuration = RoutingConfiguration()
        configuration.useCache = true
        configuration.usePattern = "/p/%s"
        configuration.subscriptionServer = true
        configuration.useBase = "/b/"
        configuration.codeResolver = SuffixResolver()
        configuration.staticNodes = ["s:1"]
        return configuration
    }

    @Test func precedenceIsCachePatternSubscriptionBaseCodeStatic() {
        var configuration = configuration()
        #expect(MapperKind.active(for: configuration) == .cache)
        configuration.useCache = false
        #expect(MapperKind.active(for: configuration) == .pattern("/p/%s"))
        configuration.usePattern = nil
        #expect(MapperKind.active(for: configuration) == .subscription)
        configuration.subscriptionServer = false
        #expect(MapperKind.active(for: configuration) == .base("/b/"))
        configuration.useBase = nil
        #expect(MapperKind.active(for: configuration) == .code)
        configuration.codeResolver = nil
        #expect(MapperKind.active(for: configuration) == .staticNodes)
        configuration.staticNodes = []
        #expect(MapperKind.active(for: configuration) == MapperKind.none)
    }

    @Test func staticNodesAreIgnoredOnceASubscriptionServerExists() throws {
        var (router, _) = try subscriptionRouter { $0.staticNodes = ["s:1"] }
        let observed1 = router.pick("unknown")
        #expect(observed1 == nil)
        #expect(router.staticNodes.nodes.first?.hits == 0)
    }

    @Test func baseConcatenatesTheKeyUnsanitised() throws {
        var configuration = RoutingConfiguration()
        configuration.useBase = "/run/apps/"
        var router = try RouterState(configuration: configuration, clock: ManualClock())
        let observed2 = router.pick("example.com")?.address
        #expect(observed2 == "/run/apps/example.com")
        let observed3 = router.pick("../etc")?.address
        #expect(observed3 == "/run/apps/../etc")
        let observed4 = router.pick("x")?.origin
        #expect(observed4 == .computed)
    }

    @Test func codeResolverIsCalledPerLookup() throws {
        var configuration = RoutingConfiguration()
        configuration.codeResolver = SuffixResolver()
        var router = try RouterState(configuration: configuration, clock: ManualClock())
        let observed5 = router.pick("app")
        #expect(observed5 == RouteTarget(address: "/run/app.sock", modifier1: 5, origin: .computed))
        let observed6 = router.pick("none.here")
        #expect(observed6 == nil)
    }
}

@Suite struct PatternTests {
    @Test(arguments: [
        ("/run/apps/%s.sock", "/run/apps/example.com.sock"),
        ("100%%-%s", "100%-example.com"),
        ("/x/%d%s", "/x/example.com"),
        ("/x/%(s", "/x/%(s"),
        ("tail%", "tail%"),
    ])
    func expandsLikeUWSGIMagicSub(pattern: String, expected: String) {
        #expect(KeyPattern.expand(pattern, key: "example.com") == expected)
    }

    @Test func routerUsesThePattern() throws {
        var configuration = RoutingConfiguration()
        configuration.usePattern = "/run/%s.sock"
        var router = try RouterState(configuration: configuration, clock: ManualClock())
        let observed7 = router.pick("a.b")?.address
        #expect(observed7 == "/run/a.b.sock")
    }
}

@Suite struct CacheMapperTests {
    func router() throws -> RouterState {
        var configuration = RoutingConfiguration()
        configuration.useCache = true
        return try RouterState(configuration: configuration, clock: ManualClock())
    }

    @Test func itemRotatesRoundRobinByHitCounter() throws {
        var router = try router()
        try router.setCacheItem("k", value: "a:1|b:2,5|c:3")
        let picks = (0..<6).compactMap { _ in router.pick("k") }
        #expect(picks.map(\.address) == ["a:1", "b:2", "c:3", "a:1", "b:2", "c:3"])
        #expect(picks[1].modifier1 == 5 && picks[0].modifier1 == nil)
    }

    @Test func missingAndDeletedItemsGiveNoNode() throws {
        var router = try router()
        let observed8 = router.pick("k")
        #expect(observed8 == nil)
        try router.setCacheItem("k", value: "a:1")
        let observed9 = router.deleteCacheItem("k")
        #expect(observed9)
        let observed10 = router.pick("k")
        #expect(observed10 == nil)
        let observed11 = !router.deleteCacheItem("k")
        #expect(observed11)
    }

    @Test(arguments: ["", "a:1|", "a:1,x", "a:1,300", ",5"])
    func malformedValuesAreTypedErrors(value: String) throws {
        var router = try router()
        #expect(throws: RouterCoreError.self) { try router.setCacheItem("k", value: value) }
    }
}

@Suite struct SubscriptionLookupTests {
    @Test func dotsplitTriesSuffixesKeepingTheDot() throws {
        var (router, _) = try subscriptionRouter { $0.dotsplit = true }
        try router.subscribe(packet(".example.com", "wild"))
        let target = router.pick("a.b.example.com")
        #expect(target?.address == "wild")
        #expect(target?.origin == .subscription(key: ".example.com"))
        #expect(router.table.slot(for: ".example.com")?.hits == 1)
    }

    @Test func dotsplitStopsAfterFiveAttempts() throws {
        var (router, _) = try subscriptionRouter { $0.dotsplit = true }
        try router.subscribe(packet(".f", "tld"), packet(".e.f", "near"))
        // a.b.c.d.e.f → .b.c.d.e.f → .c.d.e.f → .d.e.f → .e.f (5th attempt) finds "near".
        let observed12 = router.pick("a.b.c.d.e.f")?.address
        #expect(observed12 == "near")
        // Six labels deep: the 5th attempt is .f.g, so .g is never tried.
        try router.subscribe(packet(".g", "deep"))
        let observed13 = router.pick("a.b.c.d.f.g")
        #expect(observed13 == nil)
    }

    @Test func dotsplitIgnoresTheFallbackKey() throws {
        var (router, _) = try subscriptionRouter { $0.dotsplit = true; $0.fallbackKey = "default" }
        try router.subscribe(packet("default", "d"))
        let observed14 = router.pick("x.y")
        #expect(observed14 == nil)
    }

    @Test func fallbackKeyIsUsedWhenTheKeyHasNoNode() throws {
        var (router, _) = try subscriptionRouter { $0.fallbackKey = "default" }
        try router.subscribe(packet("default", "d"), packet("app", "a"))
        let observed15 = router.pick("missing")?.origin
        #expect(observed15 == .subscription(key: "default"))
        let observed16 = router.pick("app")?.address
        #expect(observed16 == "a")
        _ = router.setDrain(true, for: OperatorTarget(key: "app", address: "a"))
        let observed17 = router.pick("app")?.address
        #expect(observed17 == "d")
    }

    @Test func mountpointKeyFallsBackToTheHost() throws {
        var (router, _) = try subscriptionRouter { $0.mountpoints = 1 }
        try router.subscribe(packet("example.com/api", "api"), packet("example.com", "site"))
        let apiKey = SubscriptionLookup.mountpointKey(host: "example.com", path: "/api/v1/x?q=1", segments: 1)
        #expect(apiKey == "example.com/api")
        let observed18 = router.pick(apiKey)?.address
        #expect(observed18 == "api")
        let other = SubscriptionLookup.mountpointKey(host: "example.com", path: "/static/a.css", segments: 1)
        let observed19 = router.pick(other)?.address
        #expect(observed19 == "site")
    }

    @Test func mountpointKeyWithMoreSegmentsThanThePath() {
        #expect(SubscriptionLookup.mountpointKey(host: "h", path: "/a", segments: 3) == "h/a")
        #expect(SubscriptionLookup.mountpointKey(host: "h", path: "/a/b/c", segments: 2) == "h/a/b")
        #expect(SubscriptionLookup.mountpointKey(host: "h", path: "/", segments: 1) == "h")
    }
}
