import NIOCore
import RouterWire
import Testing
import ThreadTesting

/// Seeded input generation for the "value or typed error, never a crash" tests.
enum Fuzzing {
    /// Runs `body` on `iterations` inputs: a quarter random bytes, the rest mutations of `seeds`.
    /// `body` may throw only `WireError`; anything else is recorded as a failure.
    ///
    /// Runs on a thread of its own (`OwnThread.compute`): a run takes seconds in a debug build and
    /// minutes under a sanitizer, and on the cooperative pool (a thread per core) a few of them
    /// at once would stall the asynchronous tests running beside them (pollers, stats tasks)
    /// past their deadlines.
    static func run(
        iterations: Int = 100_000,
        seed: UInt64,
        seeds: [[UInt8]],
        maximumRandomLength: Int = 600,
        _ body: ([UInt8]) throws -> Void
    ) async -> (values: Int, errors: Int) {
        await OwnThread.compute("fuzzing") { () -> (values: Int, errors: Int) in
            loop(iterations: iterations, seed: seed, seeds: seeds, maximumRandomLength: maximumRandomLength, body)
        }
    }

    private static func loop(
        iterations: Int, seed: UInt64, seeds: [[UInt8]], maximumRandomLength: Int, _ body: ([UInt8]) throws -> Void
    ) -> (values: Int, errors: Int) {
        var rng = SplitMix64(seed: seed)
        var values = 0
        var errors = 0
        for iteration in 0..<iterations {
            let input: [UInt8]
            if iteration % 4 == 0 || seeds.isEmpty {
                let length = Int.random(in: 0...maximumRandomLength, using: &rng)
                input = self.randomBytes(length, using: &rng)
            } else {
                input = self.mutate(seeds[Int.random(in: 0..<seeds.count, using: &rng)], using: &rng)
            }
            do {
                try body(input)
                values += 1
            } catch is WireError {
                errors += 1
            } catch {
                Issue.record("iteration \(iteration): untyped error \(error) for input \(input)")
                return (values, errors)
            }
        }
        return (values, errors)
    }

    /// `count` random bytes, eight per generator step (cheap even in debug builds).
    static func randomBytes(_ count: Int, using rng: inout SplitMix64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            var word = rng.next()
            for _ in 0..<min(8, count - index) {
                bytes[index] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                index += 1
            }
        }
        return bytes
    }

    /// One to three mutations: bit flips, truncation, length-field corruption, insertion,
    /// deletion or a duplicated span.
    static func mutate(_ original: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var bytes = original
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !bytes.isEmpty:
                let index = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1 where !bytes.isEmpty:
                bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
            case 2 where bytes.count >= 2:
                // Overwrite what may be a u16 length field with an extreme or random value.
                let index = Int.random(in: 0..<(bytes.count - 1), using: &rng)
                let value: UInt16 = [0, 1, 0xFFFF, 0x7FFF, UInt16.random(in: 0...UInt16.max, using: &rng)]
                    .randomElement(using: &rng) ?? 0
                bytes[index] = UInt8(truncatingIfNeeded: value)
                bytes[index + 1] = UInt8(truncatingIfNeeded: value >> 8)
            case 3:
                let index = Int.random(in: 0...bytes.count, using: &rng)
                let insert = (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                bytes.insert(contentsOf: insert, at: index)
            case 4 where !bytes.isEmpty:
                let start = Int.random(in: 0..<bytes.count, using: &rng)
                let end = min(bytes.count, start + Int.random(in: 1...8, using: &rng))
                bytes.removeSubrange(start..<end)
            case 5 where !bytes.isEmpty:
                let start = Int.random(in: 0..<bytes.count, using: &rng)
                let end = min(bytes.count, start + Int.random(in: 1...16, using: &rng))
                bytes.insert(contentsOf: bytes[start..<end], at: Int.random(in: 0...bytes.count, using: &rng))
            default:
                bytes.append(UInt8.random(in: 0...255, using: &rng))
            }
        }
        return bytes
    }
}
