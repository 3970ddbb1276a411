import Testing
@testable import TUICore

/// The fast path for one-column symbols must agree with grapheme breaking and per-grapheme widths.
@Suite struct SimpleWidthTests {
    /// Every scalar the fast path accepts.
    static let simpleScalars: [Unicode.Scalar] = (0x2000...0x27FF).compactMap { value in
        DisplayWidth.isSimpleSingleWidth(UInt32(value)) ? Unicode.Scalar(UInt32(value)) : nil
    }

    /// Width by grapheme clusters, the way the general path measures.
    static func slowWidth(_ string: String) -> Int {
        string.reduce(0) { $0 + DisplayWidth.of($1) }
    }

    /// Truncation by grapheme clusters: the longest prefix that fits, else one that leaves room for `…`.
    static func slowTruncate(_ string: String, toWidth width: Int) -> String {
        guard width > 0 else { return "" }
        if slowWidth(string) <= width { return string }
        var prefix = ""
        var used = 0
        for character in string {
            let characterWidth = DisplayWidth.of(character)
            if used + characterWidth > width - 1 { break }
            prefix.append(character)
            used += characterWidth
        }
        return prefix + "…"
    }

    @Test func coversTheRangesTheDashboardDraws() {
        for symbol in ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█", "✓", "⇣", "✗", "…", "›", "─", "│", "┼", "■", "●", "▶"] {
            #expect(DisplayWidth.simpleWidth(of: symbol) == 1, "\(symbol)")
        }
        #expect(Self.simpleScalars.count == 24 + 47 + 112 + 253 + 1 + 6)
    }

    @Test func everySimpleScalarIsOneColumnAndItsOwnGrapheme() {
        for scalar in Self.simpleScalars {
            let alone = String(Character(scalar))
            #expect(DisplayWidth.of(scalar) == 1, "U+\(String(scalar.value, radix: 16))")
            #expect(Self.slowWidth(alone) == 1, "U+\(String(scalar.value, radix: 16))")
            // Next to itself, ASCII and another symbol it still breaks into separate graphemes.
            let mixed = alone + alone + "a" + alone + "▁" + alone
            #expect(mixed.count == mixed.unicodeScalars.count, "U+\(String(scalar.value, radix: 16))")
            #expect(DisplayWidth.simpleWidth(of: mixed) == Self.slowWidth(mixed), "U+\(String(scalar.value, radix: 16))")
            #expect(DisplayWidth.of(mixed) == 6)
            for width in 0...7 {
                #expect(Truncation.truncate(mixed, toWidth: width) == Self.slowTruncate(mixed, toWidth: width))
            }
        }
    }

    @Test func joinersSelectorsMarksAndWideCharactersTakeTheGeneralPath() {
        for text in ["▁\u{0301}", "✓\u{FE0F}", "✓\u{200D}✗", "◻\u{FE0F}", "⬛", "◽", "漢", "e\u{0301}", "a\tb", "\u{200B}", "\u{2028}", "✅"] {
            #expect(DisplayWidth.simpleWidth(of: text) == nil, "\(text.unicodeScalars.map { $0.value })")
            #expect(DisplayWidth.of(text) == Self.slowWidth(text))
        }
        #expect(DisplayWidth.of("✓\u{FE0F}") == 2)
        #expect(DisplayWidth.of("▁\u{0301}▂") == 2)
    }

    @Test func mixedStringsMeasureTruncateAndDrawAsTheGeneralPath() {
        // Deterministic pseudo-random strings over ASCII, simple symbols and ones that join or are wide.
        let pool: [String] = ["a", "Z", " ", "9", "▁", "█", "✓", "⇣", "✗", "…", "›", "─", "▶", "e\u{0301}", "✓\u{FE0F}",
                              "漢", "\u{200D}", "👍", "\u{FE0F}", "\u{0300}"]
        var seed: UInt64 = 0x5EED_1234
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        var simpleSeen = 0
        for _ in 0..<400 {
            var text = ""
            for _ in 0..<next(12) { text += pool[next(next(2) == 0 ? 13 : pool.count)] }
            let width = Self.slowWidth(text)
            #expect(DisplayWidth.of(text) == width, "\(text.unicodeScalars.map { $0.value })")
            if DisplayWidth.simpleWidth(of: text) != nil { simpleSeen += 1 }
            for limit in 0...(width + 1) {
                #expect(Truncation.truncate(text, toWidth: limit) == Self.slowTruncate(text, toWidth: limit),
                        "\(text.unicodeScalars.map { $0.value }) to \(limit)")
            }
            var buffer = Buffer(size: Size(width: 30, height: 1))
            let used = buffer.set(line: text, in: Rect(x: 0, y: 0, width: 30, height: 1))
            #expect(used == min(width, 30))
            if DisplayWidth.simpleWidth(of: text) != nil {
                let drawn = (0..<width).compactMap { buffer[$0, 0]?.symbol }
                #expect(drawn == Array(text), "\(text)")
            }
        }
        #expect(simpleSeen > 100)
    }
}
