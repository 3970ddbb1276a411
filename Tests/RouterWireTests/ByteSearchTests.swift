import Testing
@testable import RouterWire
import ThreadTesting

@Suite("Byte search a word at a time", .ownThread)
struct ByteSearchTests {
    /// What a byte-at-a-time loop finds.
    private static func naiveIndex(of byte: UInt8, in bytes: [UInt8], from: Int, end: Int) -> Int {
        var i = from
        while i < end && bytes[i] != byte { i += 1 }
        return i
    }

    /// What a byte-at-a-time loop finds: the index past the first CRLFCRLF ending at or after
    /// `max(3, from)` and before `limit`.
    private static func naiveHeadEnd(_ bytes: [UInt8], from: Int, limit: Int) -> Int? {
        var q = max(3, from)
        while q < limit {
            if bytes[q] == 0x0A && bytes[q - 1] == 0x0D && bytes[q - 2] == 0x0A && bytes[q - 3] == 0x0D { return q + 1 }
            q += 1
        }
        return nil
    }

    @Test("every length, start and end up to 40 bytes, the byte at each place or nowhere, with neighbours that flag borrows")
    func everyPlacement() {
        var wrong: [String] = []
        // 0x00 and 0x01 around the target make the subtraction borrow; 0x80 and 0xFF test the
        // high bits; the target is LF, colon, 0x00 and 0xFF in turn.
        for target: UInt8 in [0x0A, 0x3A, 0x00, 0xFF] {
            for length in 0...40 {
                for place in -1..<length {
                    var bytes = (0..<length).map { i -> UInt8 in [0x00, 0x01, 0x80, 0xFF, 0x0B, 0x3B][i % 6] }
                    for i in bytes.indices where bytes[i] == target { bytes[i] = target &+ 2 }
                    if place >= 0 { bytes[place] = target }
                    bytes.withUnsafeBytes { p in
                        for from in 0...length {
                            for end in from...length {
                                let found = ByteSearch.firstIndex(of: target, in: p, from: from, end: end)
                                if found != Self.naiveIndex(of: target, in: bytes, from: from, end: end) {
                                    wrong.append("target \(target) length \(length) place \(place) from \(from) end \(end): \(found)")
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong, first: \(wrong.prefix(3))")
    }

    @Test("two matches in one word: the first is found")
    func firstOfTwo() {
        let bytes: [UInt8] = Array("ab:c:def:ghijklmnop".utf8)
        bytes.withUnsafeBytes { p in
            #expect(ByteSearch.firstIndex(of: UInt8(ascii: ":"), in: p, from: 0, end: p.count) == 2)
            #expect(ByteSearch.firstIndex(of: UInt8(ascii: ":"), in: p, from: 3, end: p.count) == 4)
            #expect(ByteSearch.firstIndex(of: UInt8(ascii: ":"), in: p, from: 5, end: p.count) == 8)
            #expect(ByteSearch.firstIndex(of: UInt8(ascii: ":"), in: p, from: 9, end: p.count) == p.count)
        }
    }

    @Test("a head's end agrees with a byte-at-a-time search over 20,000 seeded random heads and every start")
    func headEndAgrees() {
        var wrong: [String] = []
        var generator = SplitMix64(seed: 0x5EED_B17E)
        let alphabet: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x41, 0x3A, 0x20, 0x00]
        for _ in 0..<20_000 {
            let length = Int.random(in: 0..<48, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            bytes.withUnsafeBytes { p in
                for from in 0...length {
                    let limit = length - Int.random(in: 0...min(length, 4), using: &generator)
                    let found = HTTPHeadParser.headEnd(p, from: from, limit: limit)
                    if found != Self.naiveHeadEnd(bytes, from: from, limit: limit) {
                        wrong.append("bytes \(bytes) from \(from) limit \(limit): \(String(describing: found))")
                    }
                }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong, first: \(wrong.prefix(3))")
    }
}

@Suite("Header names classified a word at a time")
struct HeaderKindWordTests {
    /// Every CGI name `classify` knows, with its kind.
    static let kinds: [(StaticString, HTTPHeaderKind)] = [
        ("HOST", .host), ("EXPECT", .expect), ("UPGRADE", .upgrade), ("TRAILERS", .trailers),
        ("CONNECTION", .connection), ("CONTENT_TYPE", .contentType), ("CONTENT_LENGTH", .contentLength),
        ("UWSGI_ENCODING", .uwsgiEncoding), ("ACCEPT_ENCODING", .acceptEncoding),
        ("CONTENT_ENCODING", .contentEncoding), ("TRANSFER_ENCODING", .transferEncoding),
        ("SEC_WEBSOCKET_KEY", .secWebSocketKey), ("SEC_WEBSOCKET_VERSION", .secWebSocketVersion),
    ]

    /// What `matches` (a byte at a time, through `normalize`) says for every known name.
    private static func reference(_ bytes: [UInt8]) -> HTTPHeaderKind {
        bytes.withUnsafeBytes { p -> HTTPHeaderKind in
            guard let base = p.baseAddress else { return .other }
            for (name, kind) in kinds where HTTPHeaderKind.matches(base, p.count, name) { return kind }
            return .other
        }
    }

    private static func classify(_ bytes: [UInt8]) -> HTTPHeaderKind {
        bytes.withUnsafeBytes { HTTPHeaderKind.classify($0.baseAddress!, count: $0.count) }
    }

    @Test("every known name in upper, lower and header case with - or _, and every one-byte change of each, as byte-at-a-time matching")
    func agreesWithBytewise() {
        var wrong: [String] = []
        var checked = 0
        for (name, _) in Self.kinds {
            let upper = Array("\(name)".utf8)
            let dashed = upper.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: "-") : $0 }
            let lower = dashed.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
            for variant in [upper, dashed, lower] {
                #expect(Self.classify(variant) != .other, "\(String(decoding: variant, as: UTF8.self))")
                for position in variant.indices {
                    for byte in UInt8.min...UInt8.max {
                        var changed = variant
                        changed[position] = byte
                        checked += 1
                        if Self.classify(changed) != Self.reference(changed) {
                            wrong.append("\(changed) at \(position)")
                        }
                    }
                }
            }
        }
        #expect(checked > 30_000)
        #expect(wrong.isEmpty, "\(wrong.count) wrong, first: \(wrong.prefix(3))")
    }
}
