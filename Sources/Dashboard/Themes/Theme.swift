import TUICore

/// A named mapping from every `ThemeRole` to a concrete TUICore `Style`.
public struct Theme: Sendable, Hashable {
    /// The theme's name (`default`, `light`, `monochrome` …).
    public var name: String
    /// Concrete styles by role; roles missing here draw in the terminal's default style.
    public var styles: [ThemeRole: Style]

    /// Creates a theme.
    public init(name: String, styles: [ThemeRole: Style]) {
        self.name = name
        self.styles = styles
    }

    /// The style of `role` (plain when the theme leaves it out).
    public subscript(role: ThemeRole) -> Style { styles[role] ?? .plain }

    /// The TUICore palette for buffers drawn with this theme.
    public var palette: Palette {
        var palette = Palette()
        for role in ThemeRole.allCases { palette[role.styleRole] = self[role] }
        return palette
    }

    /// True when no role uses a colour (the theme reads on any terminal by attributes alone).
    public var usesNoColor: Bool {
        styles.values.allSatisfy { $0.foreground == .default && $0.background == .default }
    }
}
