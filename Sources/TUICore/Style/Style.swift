/// Text attributes a terminal can apply on top of colours.
public struct TextAttributes: OptionSet, Hashable, Sendable {
    /// The raw bit set.
    public let rawValue: UInt8
    /// Creates attributes from a raw bit set.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Bold (or bright) text.
    public static let bold = TextAttributes(rawValue: 1 << 0)
    /// Underlined text.
    public static let underline = TextAttributes(rawValue: 1 << 1)
    /// Foreground and background swapped.
    public static let reverse = TextAttributes(rawValue: 1 << 2)
    /// Dim (faint) text.
    public static let dim = TextAttributes(rawValue: 1 << 3)
}

/// A semantic colour role (such as "selected row" or "node draining"), mapped to a concrete style by a `Palette`.
///
/// Roles are small integers so that a `Style` stays a few bytes; the application names them with
/// static constants and a theme maps each one to colours.
public struct StyleRole: Hashable, Sendable {
    /// The role's index into a `Palette`.
    public let index: UInt16
    /// Creates a role with the given palette index.
    public init(_ index: UInt16) { self.index = index }
}

/// How a cell is drawn: a semantic role and/or explicit colours, plus attributes.
///
/// A style with a role is resolved against a `Palette` when written into a `Buffer`; explicit
/// colours other than `.default` and any attributes are laid over the role's style, so a widget
/// can say "the selection role, but bold".
public struct Style: Hashable, Sendable {
    /// Foreground colour.
    public var foreground: Color
    /// Background colour.
    public var background: Color
    /// Text attributes.
    public var attributes: TextAttributes
    /// The semantic role this style came from, kept after resolution so tests can ask for it.
    public var role: StyleRole?

    /// Creates a style from explicit colours and attributes.
    public init(foreground: Color = .default, background: Color = .default, attributes: TextAttributes = [], role: StyleRole? = nil) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
        self.role = role
    }

    /// The terminal's default look: default colours, no attributes, no role.
    public static let plain = Style()

    /// A style that only names a role.
    public static func role(_ role: StyleRole) -> Style { Style(role: role) }

    /// This style with `attributes` added.
    public func adding(_ attributes: TextAttributes) -> Style {
        var copy = self
        copy.attributes.formUnion(attributes)
        return copy
    }

    /// This style resolved against `palette`: the role's colours, overridden by explicit ones.
    public func resolved(in palette: Palette) -> Style {
        guard let role, let base = palette[role] else { return self }
        return Style(
            foreground: foreground == .default ? base.foreground : foreground,
            background: background == .default ? base.background : background,
            attributes: base.attributes.union(attributes),
            role: role
        )
    }
}

/// Maps semantic roles to concrete styles; a theme produces one.
public struct Palette: Sendable, Equatable {
    private var styles: [Style?]

    /// Creates an empty palette: every role resolves to its own explicit style.
    public init() { styles = [] }

    /// Creates a palette from role → style pairs.
    public init(_ entries: [StyleRole: Style]) {
        styles = []
        for (role, style) in entries { self[role] = style }
    }

    /// The concrete style for `role`, or `nil` if the palette does not define it.
    public subscript(role: StyleRole) -> Style? {
        get {
            let index = Int(role.index)
            return index < styles.count ? styles[index] : nil
        }
        set {
            let index = Int(role.index)
            if index >= styles.count { styles.append(contentsOf: repeatElement(nil, count: index + 1 - styles.count)) }
            // A palette entry is concrete: a role inside it would be resolved again, so it is dropped.
            styles[index] = newValue.map { Style(foreground: $0.foreground, background: $0.background, attributes: $0.attributes) }
        }
    }
}
