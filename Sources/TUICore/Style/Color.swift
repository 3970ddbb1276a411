/// A terminal colour: the terminal's default, one of the eight basic colours, or a 256-palette index.
public enum Color: Hashable, Sendable {
    /// The terminal's own foreground or background colour.
    case `default`
    /// Basic colour 0.
    case black
    /// Basic colour 1.
    case red
    /// Basic colour 2.
    case green
    /// Basic colour 3.
    case yellow
    /// Basic colour 4.
    case blue
    /// Basic colour 5.
    case magenta
    /// Basic colour 6.
    case cyan
    /// Basic colour 7.
    case white
    /// An index into the 256-colour palette (0–15 are the basic and bright colours).
    case indexed(UInt8)

    /// The palette index of this colour, or `nil` for `.default`.
    public var paletteIndex: Int? {
        switch self {
        case .default: return nil
        case .black: return 0
        case .red: return 1
        case .green: return 2
        case .yellow: return 3
        case .blue: return 4
        case .magenta: return 5
        case .cyan: return 6
        case .white: return 7
        case .indexed(let index): return Int(index)
        }
    }

    /// The eight basic colours in palette order.
    public static let basic: [Color] = [.black, .red, .green, .yellow, .blue, .magenta, .cyan, .white]

    /// The colour named `name` (`"red"`, `"default"`, `"bright-blue"`, `"208"`), or `nil` if unknown.
    public init?(name: String) {
        let lowered = name.lowercased()
        let basicNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]
        if lowered == "default" {
            self = .default
        } else if let index = basicNames.firstIndex(of: lowered) {
            self = Color.basic[index]
        } else if lowered.hasPrefix("bright-"), let index = basicNames.firstIndex(of: String(lowered.dropFirst(7))) {
            self = .indexed(UInt8(index + 8))
        } else if let index = UInt8(lowered) {
            self = .indexed(index)
        } else {
            return nil
        }
    }
}
