import TUICore

/// Maps `Color`s to the colour numbers a terminal offers, and allocates colour pairs.
///
/// Pure value logic, kept apart from the curses calls so it can be tested without a terminal.
public struct CursesColorMapping: Sendable {
    /// Colours the terminal supports (`COLORS`: 8, 16, 256…).
    public let colorCount: Int
    /// Colour pairs the terminal supports (`COLOR_PAIRS`), pair 0 being the fixed default.
    public let pairCount: Int
    /// Whether `-1` may stand for the terminal's default colour (`use_default_colors` succeeded).
    public let hasDefaultColors: Bool
    private var pairs: [PairKey: Int16] = [:]
    private var nextPair: Int = 1

    /// A foreground/background pair of curses colour numbers (-1 = terminal default).
    public struct PairKey: Hashable, Sendable {
        /// Foreground colour number.
        public var foreground: Int16
        /// Background colour number.
        public var background: Int16

        /// Creates a pair key.
        public init(foreground: Int16, background: Int16) {
            self.foreground = foreground
            self.background = background
        }
    }

    /// Creates a mapping for a terminal with the given capabilities.
    public init(colorCount: Int, pairCount: Int, hasDefaultColors: Bool) {
        self.colorCount = max(0, colorCount)
        // init_pair takes a short, so pairs beyond 32767 are unreachable without extended calls.
        self.pairCount = min(max(0, pairCount), Int(Int16.max))
        self.hasDefaultColors = hasDefaultColors
    }

    /// The curses colour number for `color`; `isForeground` picks the stand-in for `.default`
    /// when the terminal has no default colours (white on black).
    public func number(for color: Color, isForeground: Bool) -> Int16 {
        guard let index = color.paletteIndex else {
            return hasDefaultColors ? -1 : (isForeground ? 7 : 0)
        }
        return Int16(CursesColorMapping.reduce(index, toColorCount: colorCount))
    }

    /// A 256-palette index reduced to one of the first `colorCount` colours.
    ///
    /// Bright colours 8–15 drop to 0–7 on 8-colour terminals; the 6×6×6 cube keeps each channel
    /// that is at least half on; the grey ramp splits into black and white.
    public static func reduce(_ index: Int, toColorCount colorCount: Int) -> Int {
        if index < colorCount { return index }
        if colorCount <= 0 { return 0 }
        let basic: Int
        switch index {
        case 0..<8: basic = index
        case 8..<16: basic = index - 8
        case 16..<232:
            let cube = index - 16
            let red = cube / 36, green = (cube / 6) % 6, blue = cube % 6
            basic = (red >= 3 ? 1 : 0) | (green >= 3 ? 2 : 0) | (blue >= 3 ? 4 : 0)
        default:
            basic = index < 244 ? 0 : 7
        }
        return min(basic, colorCount - 1)
    }

    /// The pair for `key`, allocating it if new; `isNew` tells the caller to `init_pair` it.
    /// Returns pair 0 (default colours) once every pair is taken.
    public mutating func pair(for key: PairKey) -> (pair: Int16, isNew: Bool) {
        if key.foreground == -1 && key.background == -1 { return (0, false) }
        if let existing = pairs[key] { return (existing, false) }
        guard nextPair < pairCount else { return (0, false) }
        let pair = Int16(nextPair)
        nextPair += 1
        pairs[key] = pair
        return (pair, true)
    }

    /// Number of pairs allocated so far.
    public var allocatedPairs: Int { pairs.count }
}
