import RouterCore
import Testing

@Suite struct SubscriptionHashTests {
    @Test(arguments: [("example.com", UInt32(30778)), ("app.local", 52178), ("fake.local", 30688)])
    func bucketMatchesUWSGI(key: String, expected: UInt32) {
        #expect(SubscriptionHash.bucket(of: RouteKey(key)) == expected)
    }

    @Test func bytesAboveASCIIAreSignExtended() {
        // 0xE9 as a signed char is -23 = 0xFFFFFFE9: XOR with that, not with 0xE9.
        let signed = (UInt32(5381) &* 33) ^ 0xFFFF_FFE9
        #expect(SubscriptionHash.djb33x([0xE9]) == signed)
        #expect(SubscriptionHash.djb33x([0xE9]) != (UInt32(5381) &* 33) ^ 0xE9)
    }

    @Test func emptyInputIsTheSeed() {
        #expect(SubscriptionHash.djb33x([UInt8]()) == 5381)
    }

    @Test func routeKeysCompareBytesNotUnicodeEquivalence() {
        let composed = RouteKey("caf\u{E9}.local")
        let decomposed = RouteKey("cafe\u{301}.local")
        #expect("caf\u{E9}.local" == "cafe\u{301}.local")
        #expect(composed != decomposed)
    }
}
