import RouterWire
import Testing
import ThreadTesting

@Suite("Stats document: seeded fuzzing of the lenient decoder", .ownThread)
struct StatsFuzzTests {
    /// Small router samples keep 100,000 decodes fast in debug builds.
    static let seeds = [
        "cheap-mode/1-no-nodes.http-router.json", "cheap-mode/2-node-subscribed.fastrouter.json",
        "stats/08-all-nodes-gone.fastrouter.json", "stats/06b-node2-stopped-after-tolerance.fastrouter.json",
    ]
    static let interesting: [UInt8] = Array("\"\\,:{}[]\t\n\r 0-9.e".utf8) + [0x00, 0x01, 0x1F, 0x7F, 0x80, 0xC3, 0xED, 0xF4, 0xFF]

    @Test("100,000 random and mutated inputs give a document or a typed stats error")
    func fuzz() async throws {
        let samples = try Self.seeds.map { try StatsSamples.bytes($0) }
        var random = StatsTestRandom(seed: 0xF1EE_7709)
        var decoded = 0
        var refused = 0
        for round in 0..<100_000 {
            let input = Self.input(round: round, samples: samples, random: &random)
            do {
                let document = try StatsDocument.decode(lenient: input)
                decoded += 1
                // Whatever was accepted re-encodes to strict JSON that decodes to the same value.
                if round % 64 == 0 {
                    #expect(try StatsDocument.decode(strict: document.encodeJSON()) == document)
                }
            } catch {
                guard case .malformedStats(let reason) = error, !reason.isEmpty else {
                    Issue.record("round \(round): unexpected error \(error)")
                    return
                }
                refused += 1
            }
        }
        #expect(decoded + refused == 100_000)
        // Both outcomes must actually occur, or the mutations are not exercising the decoder.
        #expect(decoded > 5_000)
        #expect(refused > 5_000)
    }

    static func input(round: Int, samples: [[UInt8]], random: inout StatsTestRandom) -> [UInt8] {
        if round % 10 == 0 {
            let count = Int.random(in: 0...48, using: &random)
            return (0..<count).map { _ in
                Bool.random(using: &random) ? UInt8.random(in: 0...255, using: &random) : interesting[Int.random(in: 0..<interesting.count, using: &random)]
            }
        }
        var bytes = samples[Int.random(in: 0..<samples.count, using: &random)]
        for _ in 0..<Int.random(in: 1...3, using: &random) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: bytes.removeSubrange(Int.random(in: 0...at, using: &random)...)
            case 1: bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
            case 2: bytes.insert(UInt8(ascii: "\""), at: at)
            case 3: bytes.insert(UInt8(ascii: ","), at: at)
            case 4: bytes[at] = interesting[Int.random(in: 0..<interesting.count, using: &random)]
            default: bytes.remove(at: at)
            }
        }
        return bytes
    }
}
