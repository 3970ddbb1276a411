import NIOCore
import RouterWire
import Testing

@Suite("subscription re-announce read in place")
struct SubscriptionRefreshTests {
    /// A datagram of `items` (raw key and value bytes) with command byte `command`.
    static func datagram(_ items: [([UInt8], [UInt8])], command: UInt8 = 0) -> [UInt8] {
        func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        var body: [UInt8] = []
        for (key, value) in items { body += le16(key.count) + key + le16(value.count) + value }
        return [224] + le16(body.count) + [command] + body
    }

    /// A datagram of text items.
    static func datagram(_ items: KeyValuePairs<String, String>, command: UInt8 = 0) -> [UInt8] {
        datagram(items.map { (Array($0.key.utf8), Array($0.value.utf8)) }, command: command)
    }

    static func scan(_ bytes: [UInt8]) -> SubscriptionRefresh? {
        bytes.withUnsafeBytes { SubscriptionRefresh.scan($0) }
    }

    /// What uWSGI nodes send (subscribe-blast sends the same), with every figure the scan reads.
    static let plain = datagram([
        "key": "app.local", "address": "127.0.0.1:3031", "modifier1": "0", "modifier2": "0",
        "cores": "4", "load": "2", "weight": "7", "backup": "1",
    ])

    /// Checks `scanned` against the full decoder: the decoder takes the datagram as a plain
    /// subscribe with the same key, address and figures, and nothing the scan leaves out.
    static func expectAgreement(_ scanned: SubscriptionRefresh, _ bytes: [UInt8]) throws {
        let packet = try SubscriptionPacket(decoding: ByteBuffer(bytes: bytes))
        #expect(packet.command == .subscribe)
        #expect(Array(packet.key.utf8) == Array(bytes[scanned.key]))
        #expect(Array(packet.address.utf8) == Array(bytes[scanned.address]))
        #expect(packet.cores == scanned.cores)
        #expect(packet.load == scanned.load)
        #expect(packet.weight == scanned.weight)
        #expect(packet.backup == scanned.backup)
        #expect(packet.unix == nil && packet.sign == nil && packet.proto == nil && packet.notify == nil)
        #expect(packet.unknown.isEmpty)
    }

    @Test("a plain re-announce scans to what the decoder reads")
    func plainReannounce() throws {
        let scanned = try #require(Self.scan(Self.plain))
        try Self.expectAgreement(scanned, Self.plain)
        #expect(scanned.weight == 7 && scanned.cores == 4 && scanned.load == 2 && scanned.backup == 1)
        // Only key and address are required; absent figures stay nil, as in the decoded packet.
        let bare = Self.datagram(["address": "/run/app.sock", "key": "k"])
        let scannedBare = try #require(Self.scan(bare))
        try Self.expectAgreement(scannedBare, bare)
        #expect(scannedBare.weight == nil && scannedBare.cores == nil)
    }

    static let fallbacks: [(String, [UInt8])] = [
        ("unsubscribe", datagram(["key": "k", "address": "a:1"], command: 1)),
        ("no address", datagram(["key": "k"])),
        ("no key", datagram(["address": "a:1"])),
        ("empty address", datagram(["key": "k", "address": ""])),
        ("empty key", datagram(["key": "", "address": "a:1"])),
        ("repeated key", datagram(["key": "k", "address": "a:1", "key": "j"])),
        ("repeated weight", datagram(["key": "k", "address": "a:1", "weight": "1", "weight": "2"])),
        ("unknown item", datagram(["key": "k", "address": "a:1", "colour": "blue"])),
        ("signed", datagram(["key": "k", "address": "a:1", "unix": "1", "sign": "xx"])),
        ("notify", datagram(["key": "k", "address": "a:1", "notify": "/tmp/n"])),
        ("proto", datagram(["key": "k", "address": "a:1", "proto": "http"])),
        ("sni", datagram(["key": "k", "address": "a:1", "sni_key": "x", "sni_crt": "y"])),
        ("non-ASCII address", datagram([(Array("key".utf8), Array("k".utf8)), (Array("address".utf8), [0xC3, 0xA9])])),
        ("invalid UTF-8 key", datagram([(Array("key".utf8), [0xFF]), (Array("address".utf8), Array("a:1".utf8))])),
        ("key over 255 bytes", datagram(["key": String(repeating: "k", count: 256), "address": "a:1"])),
        ("address over 255 bytes", datagram(["key": "k", "address": String(repeating: "a", count: 256)])),
        ("letters in a number", datagram(["key": "k", "address": "a:1", "weight": "7a"])),
        ("empty number", datagram(["key": "k", "address": "a:1", "cores": ""])),
        ("signed number", datagram(["key": "k", "address": "a:1", "load": "-1"])),
        ("modifier1 over 255", datagram(["key": "k", "address": "a:1", "modifier1": "256"])),
        ("weight over 2^64", datagram(["key": "k", "address": "a:1", "weight": "18446744073709551616"])),
        ("empty item key", datagram([([], []), (Array("key".utf8), Array("k".utf8)), (Array("address".utf8), Array("a:1".utf8))])),
        ("header only", [224, 0, 0, 0]),
        ("shorter than a header", [224, 0, 0]),
        ("oversize", datagram(["key": "k", "address": "a:1", "pad": String(repeating: "p", count: 4096)])),
    ]

    @Test("anything but a plain subscribe scans to nil, and the decoder has the last word", arguments: fallbacks.indices)
    func fallsBack(_ index: Int) {
        let (name, bytes) = Self.fallbacks[index]
        #expect(Self.scan(bytes) == nil, "\(name)")
    }

    @Test("the largest values the decoder takes are taken: 255-byte key and address, 2^64-1, modifier 255")
    func limits() throws {
        let bytes = Self.datagram([
            "key": String(repeating: "k", count: 255), "address": String(repeating: "a", count: 255),
            "weight": "18446744073709551615", "modifier2": "255",
        ])
        let scanned = try #require(Self.scan(bytes))
        try Self.expectAgreement(scanned, bytes)
        #expect(scanned.weight == .max)
    }

    @Test("every truncation of a plain datagram is refused by the scan, or read as the decoder reads it")
    func truncations() throws {
        for length in 0..<Self.plain.count {
            let prefix = Array(Self.plain.prefix(length))
            if let scanned = Self.scan(prefix) { try Self.expectAgreement(scanned, prefix) }
        }
    }

    @Test("random corruptions: whatever the scan takes, the decoder takes with the same values (seeded)")
    func corruptions() throws {
        var random = SplitMix64(seed: 0x5CA1_AB1E)
        var taken = 0
        for _ in 0..<20_000 {
            var bytes = Self.plain
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes[Int.random(in: 4..<bytes.count, using: &random)] = UInt8(ascii: "0") + UInt8.random(in: 0...9, using: &random)
                case 2: bytes.removeLast(Int.random(in: 0..<min(8, bytes.count - 4), using: &random))
                default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 4...bytes.count, using: &random))
                }
            }
            guard let scanned = Self.scan(bytes) else { continue }
            taken += 1
            try Self.expectAgreement(scanned, bytes)
        }
        // The corruptions leave many datagrams well-formed (a digit changed), so the check above ran.
        #expect(taken > 1_000)
    }
}
