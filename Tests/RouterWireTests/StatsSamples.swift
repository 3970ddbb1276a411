import Foundation
import Testing

/// The captured uWSGI stats documents in the test bundle's `Samples` folder.
enum StatsSamples {
    static var root: URL {
        get throws {
            try #require(Bundle.module.url(forResource: "Samples", withExtension: nil), "Samples folder missing from the test bundle")
        }
    }

    /// Relative paths (`stats/…json`, `cheap-mode/…json`) of every JSON sample, sorted.
    static func allJSON() throws -> [String] {
        var paths: [String] = []
        for folder in ["stats", "cheap-mode"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: try root.appendingPathComponent(folder).path)
            paths += names.filter { $0.hasSuffix(".json") }.map { "\(folder)/\($0)" }
        }
        return paths.sorted()
    }

    /// Router documents: every JSON sample except instance (`master-stats`) documents.
    static func routerDocuments() throws -> [String] {
        try allJSON().filter { !$0.contains("master-stats") }
    }

    /// Instance `--stats` documents, which are not router documents.
    static func instanceDocuments() throws -> [String] {
        try allJSON().filter { $0.contains("master-stats") }
    }

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: try root.appendingPathComponent(relativePath)))
    }
}

/// A seeded SplitMix64 generator so every randomized stats test is reproducible.
struct StatsTestRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
