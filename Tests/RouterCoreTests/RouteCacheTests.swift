import RouterCore
import Testing

@Suite("RouteCache: items cap, expiry, values")
struct RouteCacheTests {
    @Test func newKeysBeyondTheCapAreRefusedButReplacingIsNot() throws {
        var cache = RouteCache(maximumItems: 2)
        try cache.set("a", value: "n:1")
        try cache.set("b", value: "n:2")
        #expect(throws: RouterCoreError.cacheFull(key: "c", limit: 2)) { try cache.set("c", value: "n:3") }
        try cache.set("a", value: "n:4|n:5")
        #expect(cache.items.count == 2)
        #expect(cache.items["a"]?.value == "n:4|n:5")
        cache.delete("b")
        try cache.set("c", value: "n:3")
    }

    @Test func settingAgainRestartsTheRotation() throws {
        var cache = RouteCache()
        try cache.set("k", value: "a:1|b:2")
        #expect(cache.lookup("k")?.address == "a:1")
        try cache.set("k", value: "a:1|b:2")
        #expect(cache.lookup("k")?.address == "a:1")
        #expect(cache.lookup("k")?.address == "b:2")
    }

    @Test func expiryRemovesItemsAtOrBeforeNow() throws {
        var cache = RouteCache()
        try cache.set("old", value: "a:1", expires: 100)
        try cache.set("later", value: "a:1", expires: 200)
        try cache.set("never", value: "a:1")
        #expect(cache.expire(now: 99).isEmpty)
        #expect(cache.expire(now: 100) == ["old"])
        #expect(cache.items.keys.map(\.string).sorted() == ["later", "never"])
        #expect(cache.expire(now: .max) == ["later"])
    }

    @Test(arguments: ["", "|", "a:1||b:2", ",1", "a:1,256", "a:1,-1"])
    func malformedValuesAreRefused(_ value: String) {
        #expect(throws: RouterCoreError.self) { try RouteCache.parse(value) }
    }

    @Test func elementsKeepTheirModifier() throws {
        #expect(try RouteCache.parse("a:1,5|/run/b.sock") == [NodeAddress(address: "a:1", modifier1: 5), NodeAddress(address: "/run/b.sock")])
    }
}
