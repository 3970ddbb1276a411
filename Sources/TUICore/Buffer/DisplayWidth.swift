/// Terminal column widths of graphemes: wide East Asian characters and emoji take two columns,
/// combining marks and controls none.
///
/// This is a compact approximation of `wcwidth` built on the standard library's Unicode
/// properties plus the East Asian Wide/Fullwidth ranges (which the standard library does not
/// expose); it agrees with glibc's `wcwidth` for CJK, Hangul, kana, fullwidth forms and emoji.
public enum DisplayWidth {
    /// Columns taken by `scalar` on its own: 0, 1 or 2.
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x7F { return value >= 0x20 ? 1 : 0 }
        if value < 0xA0 { return 0 }
        if value < 0x300 { return 1 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format, .control:
            return 0
        default:
            break
        }
        if value >= 0x1160 && value <= 0x11FF { return 0 }  // Hangul medial vowels and final consonants join the syllable.
        return isWide(value) ? 2 : 1
    }

    /// Columns taken by a grapheme cluster: its base scalar's width, 2 if it asks for emoji presentation.
    public static func of(_ character: Character) -> Int {
        if let ascii = character.asciiValue { return ascii >= 0x20 && ascii < 0x7F ? 1 : 0 }
        var width = 0
        var first = true
        for scalar in character.unicodeScalars {
            if first {
                width = of(scalar)
                first = false
            } else if scalar.value == 0xFE0F && width == 1 {
                width = 2  // VS16 turns a text-style symbol (☺) into a two-column emoji.
            }
        }
        return width
    }

    /// Columns taken by `string` when drawn on one line.
    public static func of(_ string: String) -> Int {
        if let simple = simpleWidth(of: string) { return simple }
        var total = 0
        for character in string { total += of(character) }
        return total
    }

    /// The width of `string` when every scalar is printable ASCII or a `isSimpleSingleWidth`
    /// symbol (then every scalar is its own one-column grapheme); `nil` otherwise.
    ///
    /// Table cells with sparklines and state markers (`▁▃█`, `5✓ 1⇣ 0✗`) are measured without
    /// grapheme breaking, which costs far more than the walk over the scalars.
    public static func simpleWidth(of string: String) -> Int? {
        var count = 0
        for scalar in string.unicodeScalars {
            let value = scalar.value
            if value >= 0x20 && value < 0x7F || isSimpleSingleWidth(value) {
                count += 1
            } else {
                return nil
            }
        }
        return count
    }

    /// Whether `value` is a one-column symbol that never joins a neighbour into one grapheme
    /// (no mark, joiner, selector or emoji presentation of its own): general punctuation,
    /// arrows, box drawing, block elements, geometric shapes, check marks and crosses.
    @inline(__always)
    public static func isSimpleSingleWidth(_ value: UInt32) -> Bool {
        switch value {
        case 0x2010...0x2027, 0x2030...0x205E,  // dashes, quotes, bullets, …, ‰, ›
             0x2190...0x21FF,  // arrows (⇣)
             0x2500...0x25FC, 0x25FF,  // box drawing, block elements (▁…█), geometric shapes but the two wide squares
             0x2713...0x2718:  // ✓ ✔ ✕ ✖ ✗ ✘
            return true
        default:
            return false
        }
    }

    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB,
             0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA,
             0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757,
             0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
             0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x18AFF, 0x1B000...0x1B2FF, 0x1F004, 0x1F0CF,
             0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F251, 0x1F300...0x1F320, 0x1F32D...0x1F335,
             0x1F337...0x1F37C, 0x1F37E...0x1F393, 0x1F3A0...0x1F3CA, 0x1F3CF...0x1F3D3,
             0x1F3E0...0x1F3F0, 0x1F3F4, 0x1F3F8...0x1F43E, 0x1F440, 0x1F442...0x1F4FC,
             0x1F4FF...0x1F53D, 0x1F54B...0x1F54E, 0x1F550...0x1F567, 0x1F57A, 0x1F595...0x1F596,
             0x1F5A4, 0x1F5FB...0x1F64F, 0x1F680...0x1F6C5, 0x1F6CC, 0x1F6D0...0x1F6D2,
             0x1F6D5...0x1F6D7, 0x1F6DC...0x1F6DF, 0x1F6EB...0x1F6EC, 0x1F6F4...0x1F6FC,
             0x1F7E0...0x1F7EB, 0x1F7F0, 0x1F90C...0x1F93A, 0x1F93C...0x1F945, 0x1F947...0x1F9FF,
             0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
