import Foundation
import NIOCore
import RouterWire
import Testing

@Suite("subscription packet codec")
struct SubscriptionPacketTests {
    /// Every captured or hand-made subscription datagram in the samples.
    static func goldenFiles() throws -> [URL] {
        try Samples.files(in: "subscription-packets") { $0.hasPrefix("pkt-") && $0.hasSuffix(".bin") }
            + Samples.files(in: "stats") { ($0.hasPrefix("03-handcrafted") || $0.hasPrefix("04-handcrafted")) && $0.hasSuffix(".bin") }
    }

    @Test func goldenPacketsReencodeToTheSameBytes() throws {
        let files = try Self.goldenFiles()
        #expect(files.count == 17)
        for file in files {
            let bytes = try Samples.bytes(file)
            let packet = try SubscriptionPacket(decoding: ByteBuffer(bytes: bytes))
            let reencoded = try packet.encoded()
            #expect(Array(reencoded.readableBytesView) == bytes, "\(file.lastPathComponent)")
        }
    }

    @Test func goldenPacketsMatchTheCaptureLog() throws {
        let log = try Samples.directory.appendingPathComponent("subscription-packets/packets.jsonl")
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 15)
        for line in lines {
            let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let number = try #require(entry["n"] as? Int)
            let kind = try #require(entry["kind"] as? String)
            let pairs = try #require(entry["kv"] as? [[String]])
            let file = try Samples.directory.appendingPathComponent(
                "subscription-packets/pkt-\(number < 10 ? "0" : "")\(number)-\(kind).bin")
            let bytes = try Samples.bytes(file)
            #expect(Array<UInt8>(hex: try #require(entry["hex"] as? String)) == bytes)
            let packet = try SubscriptionPacket(decoding: ByteBuffer(bytes: bytes))

            #expect(packet.headerModifier1 == UInt8(try #require(entry["modifier1"] as? Int)))
            #expect(packet.command == (kind == "subscribe" ? .subscribe : .unsubscribe(1)))
            #expect(packet.itemOrder == pairs.map { $0[0] })
            let values = Dictionary(pairs.map { ($0[0], $0[1]) }, uniquingKeysWith: { $1 })
            #expect(packet.key == values["key"])
            #expect(packet.address == values["address"])
            #expect(packet.modifier1.map(String.init) == values["modifier1"])
            #expect(packet.modifier2.map(String.init) == values["modifier2"])
            #expect(packet.cores.map(String.init) == values["cores"])
            #expect(packet.load.map(String.init) == values["load"])
            #expect(packet.weight.map(String.init) == values["weight"])
            #expect(packet.unknown.isEmpty)
        }
    }

    @Test func handcraftedSamplesDecode() throws {
        let subscribe = try SubscriptionPacket(decoding: ByteBuffer(bytes: try Samples.bytes(
            Samples.directory.appendingPathComponent("stats/03-handcrafted-subscribe.bin"))))
        #expect(subscribe.command == .subscribe)
        #expect(subscribe.key == "fake.local")
        #expect(subscribe.address == "127.0.0.1:13031")
        #expect(subscribe.weight == 5)
        #expect(subscribe.cores == 8)
        let unsubscribe = try SubscriptionPacket(decoding: ByteBuffer(bytes: try Samples.bytes(
            Samples.directory.appendingPathComponent("stats/04-handcrafted-unsubscribe.bin"))))
        #expect(unsubscribe.command == .unsubscribe(1))
        #expect(unsubscribe.key == subscribe.key)
    }

    /// §2.3's 69-byte hand-made packet and its unsubscribe.
    @Test func encodesTheReferenceExampleByteExact() throws {
        let expected = [UInt8](hex: """
            e0 41 00 00
            03 00 6b 65 79 09 00 61 70 70 2e 6c 6f 63 61 6c
            07 00 61 64 64 72 65 73 73 0d 00 31 30 2e 30 2e 30 2e 35 3a 33 30 33 31
            09 00 6d 6f 64 69 66 69 65 72 31 01 00 30
            06 00 77 65 69 67 68 74 01 00 32
            """)
        let packet = SubscriptionPacket(key: "app.local", address: "10.0.0.5:3031", modifier1: 0, weight: 2)
        #expect(expected.count == 69)
        #expect(Array(try packet.encoded().readableBytesView) == expected)

        let unsubscribe = SubscriptionPacket(command: .unsubscribe(1), key: "app.local", address: "10.0.0.5:3031")
        let bytes = Array(try unsubscribe.encoded().readableBytesView)
        #expect(Array(bytes.prefix(4)) == [0xE0, 0x28, 0x00, 0x01])
        #expect(bytes.count == 44)
    }

    @Test func buildsPacketsInUwsgiOrderWithUnknownItemsBeforeTheSignature() throws {
        var packet = SubscriptionPacket(key: "k", address: "a", modifier1: 1, modifier2: 2, cores: 3, load: 4, weight: 5, backup: 6)
        packet.unix = 7
        packet.sign = [0, 1, 2]
        packet.sniKey = "sk"
        packet.sniCrt = "sc"
        packet.sniCA = "sa"
        packet.notify = "/n"
        packet.algo = "lrc"
        packet.proto = "h"
        packet.vassal = "v"
        packet.clear = 1
        packet.inactive = "1"
        packet.unknown = [.init(key: "zz", value: [9])]
        let decoded = try SubscriptionPacket(decoding: try packet.encoded())
        #expect(decoded.itemOrder == [
            "key", "address", "modifier1", "modifier2", "cores", "load", "weight", "backup", "vassal",
            "sni_key", "sni_crt", "sni_ca", "proto", "algo", "inactive", "notify", "clear", "zz", "unix", "sign",
        ])
        var expected = packet
        expected.itemOrder = decoded.itemOrder
        #expect(decoded == expected)
    }

    static func datagram(command: UInt8 = 0, _ items: [(String, [UInt8])]) -> ByteBuffer {
        var body = ByteBuffer()
        for (key, value) in items { _ = try? body.writeUwsgiVar(key: key, value: value) }
        var out = ByteBuffer()
        out.writeUwsgiHeader(UwsgiHeader(modifier1: 224, datasize: UInt16(body.readableBytes), modifier2: command))
        out.writeImmutableBuffer(body)
        return out
    }

    static func text(_ items: [(String, String)], command: UInt8 = 0) -> ByteBuffer {
        self.datagram(command: command, items.map { ($0.0, Array($0.1.utf8)) })
    }

    @Test(arguments: ["abc", "-1", " 5", "5 ", "", "1.5", "18446744073709551616"])
    func refusesWhatUwsgiWouldStoreAsGarbage(weight: String) {
        #expect(throws: WireError.invalidNumber(key: "weight", value: weight)) {
            try SubscriptionPacket(decoding: Self.text([("key", "k"), ("address", "a:1"), ("weight", weight)]))
        }
    }

    @Test func refusesModifiersThatDoNotFitAByte() {
        #expect(throws: WireError.invalidNumber(key: "modifier1", value: "256")) {
            try SubscriptionPacket(decoding: Self.text([("key", "k"), ("address", "a:1"), ("modifier1", "256")]))
        }
        #expect(throws: Never.self) {
            try SubscriptionPacket(decoding: Self.text([("key", "k"), ("address", "a:1"), ("modifier1", "255"), ("weight", "18446744073709551615")]))
        }
    }

    @Test func refusesMissingEmptyAndOverlongFields() {
        let long = String(repeating: "x", count: 256)
        #expect(throws: WireError.missingField("key")) { try SubscriptionPacket(decoding: Self.text([("address", "a:1")])) }
        #expect(throws: WireError.missingField("address")) { try SubscriptionPacket(decoding: Self.text([("key", "k")])) }
        #expect(throws: WireError.emptyField("address")) { try SubscriptionPacket(decoding: Self.text([("key", "k"), ("address", "")])) }
        #expect(throws: WireError.fieldTooLong(key: "key", length: 256, limit: 255)) {
            try SubscriptionPacket(decoding: Self.text([("key", long), ("address", "a:1")]))
        }
        #expect(throws: WireError.fieldTooLong(key: "address", length: 256, limit: 255)) {
            try SubscriptionPacket(decoding: Self.text([("key", "k"), ("address", long)]))
        }
        #expect(throws: WireError.fieldTooLong(key: "notify", length: 102, limit: 101)) {
            try SubscriptionPacket(decoding: Self.text([("key", "k"), ("address", "a"), ("notify", String(repeating: "n", count: 102))]))
        }
        #expect(throws: WireError.invalidText(key: "address")) {
            try SubscriptionPacket(decoding: Self.datagram([("key", [0x6B]), ("address", [0xFF, 0xFE])]))
        }
        // An empty key is accepted, as uWSGI does.
        #expect(throws: Never.self) { try SubscriptionPacket(decoding: Self.text([("key", ""), ("address", "a")])) }
    }

    @Test func refusesBadDatagrams() {
        #expect(throws: WireError.datagramTooShort(size: 3)) { try SubscriptionPacket(decoding: ByteBuffer(bytes: [224, 0, 0])) }
        let big = Self.text([("key", "k"), ("address", "a"), ("x", String(repeating: "y", count: 4096))])
        #expect(throws: WireError.datagramTooLarge(size: big.readableBytes, limit: 4096)) { try SubscriptionPacket(decoding: big) }
        var truncated = Self.text([("key", "k"), ("address", "a")])
        truncated.moveWriterIndex(to: truncated.writerIndex - 1)
        #expect(throws: WireError.truncatedItem(offset: 8)) { try SubscriptionPacket(decoding: truncated) }
    }

    @Test func anyNonZeroCommandUnsubscribesAndHeaderBytesAreKept() throws {
        var bytes = Self.text([("key", "k"), ("address", "a:1")], command: 7)
        bytes.setInteger(UInt8(0), at: 0)
        let packet = try SubscriptionPacket(decoding: bytes)
        #expect(packet.command == .unsubscribe(7))
        #expect(packet.headerModifier1 == 0)
        #expect(try packet.encoded() == bytes)
        // The router ignores datasize; a lying one still decodes.
        bytes.setInteger(UInt16(3), at: 1, endianness: .little)
        #expect(try SubscriptionPacket(decoding: bytes).key == "k")
    }

    @Test func keepsUnknownItemsInPlace() throws {
        let bytes = Self.text([("x-first", "1"), ("key", "k"), ("future", "f"), ("address", "a"), ("x-first", "2")])
        let packet = try SubscriptionPacket(decoding: bytes)
        #expect(packet.unknown == [.init(key: "x-first", value: [0x31]), .init(key: "future", value: [0x66]), .init(key: "x-first", value: [0x32])])
        #expect(try packet.encoded() == bytes)
    }

    @Test func fuzzedDatagramsGiveValuesOrTypedErrors() async throws {
        let seeds = try Self.goldenFiles().map(Samples.bytes)
        let counts = await Fuzzing.run(seed: 0x5EED_0002, seeds: seeds, maximumRandomLength: 200) { input in
            let packet = try SubscriptionPacket(decoding: ByteBuffer(bytes: input))
            // A decoded packet always re-encodes, and re-decodes to itself.
            let again = try SubscriptionPacket(decoding: try packet.encoded())
            if again != packet { Issue.record("re-decoding changed \(input)") }
        }
        #expect(counts.values > 1000 && counts.errors > 1000)
    }
}
