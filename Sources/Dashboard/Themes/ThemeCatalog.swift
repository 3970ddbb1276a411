/// The themes `t` cycles through and the one to start with: built-ins, replaced or extended by
/// the files of a `Themes/` folder, and `--theme NAME|FILE`, `--no-color` / `NO_COLOR`.
///
/// Pure: the files are read by the executable (FleetApp's `ThemeFiles`), which hands the parsed
/// themes here.
public struct ThemeCatalog: Sendable, Hashable {
    /// The themes in cycling order.
    public var themes: [Theme]
    /// Index into `themes` of the theme to start with.
    public var initialIndex: Int

    /// Creates a catalog.
    public init(themes: [Theme], initialIndex: Int = 0) {
        self.themes = themes.isEmpty ? [BuiltinThemes.standard] : themes
        self.initialIndex = min(max(0, initialIndex), self.themes.count - 1)
    }

    /// The monochrome-only catalog of `--no-color` / `NO_COLOR`.
    public static let monochrome = ThemeCatalog(themes: [BuiltinThemes.monochrome])

    /// The built-ins with `folderThemes` (a `Themes/` folder's files, parsed) replacing built-ins
    /// of the same name and adding new ones; starts on the first.
    public static func builtins(overriddenBy folderThemes: [Theme]) -> ThemeCatalog {
        ThemeCatalog(themes: BuiltinThemes.all).adding(folderThemes)
    }

    /// This catalog with `extra` replacing themes of the same name and appended otherwise;
    /// the initial theme stays the same.
    public func adding(_ extra: [Theme]) -> ThemeCatalog {
        var themes = self.themes
        for theme in extra {
            if let index = themes.firstIndex(where: { $0.name == theme.name }) {
                themes[index] = theme
            } else {
                themes.append(theme)
            }
        }
        return ThemeCatalog(themes: themes, initialIndex: initialIndex)
    }

    /// This catalog starting on the theme called `name`, or nil when there is none.
    public func starting(on name: String) -> ThemeCatalog? {
        themes.firstIndex(where: { $0.name == name }).map { ThemeCatalog(themes: themes, initialIndex: $0) }
    }

    /// True when a `--theme` value that names no theme should be read as a file path.
    public static func looksLikeFile(_ requested: String) -> Bool {
        requested.contains("/") || requested.hasSuffix(".yaml") || requested.hasSuffix(".yml")
    }

}
