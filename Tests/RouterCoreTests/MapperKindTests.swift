import RouterCore
import Testing

@Suite struct MapperKindTests {
    @Test func optionSuffixesAreUWSGIs() {
        let suffixes = [MapperKind.cache, .pattern("/p/%s"), .subscription, .base("/b/"), .code, .socket(0), .staticNodes].map(\.optionSuffix)
        #expect(suffixes == ["use-cache", "use-pattern", "subscription-server", "use-base", "use-code-string", "use-socket", "to"])
        #expect(MapperKind.none.optionSuffix == nil)
    }
}
