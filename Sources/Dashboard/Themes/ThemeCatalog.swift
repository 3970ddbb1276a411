import Foundation

/// The themes `t` cycles through and the one to start with: built-ins, replaced or extended by
/// the files of a `Themes/` folder, and `--theme NAME|FILE`, `--no-color` / `NO_COLOR`.
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

    /// Builds the catalog the executable starts with.
    ///
    /// - Parameters:
    ///   - directory: a `Themes/` folder, if one was found; its files replace built-ins of the
    ///     same name and add new ones. A bad file there throws (naming file, line and key).
    ///   - requested: `--theme` value: a theme name or a path to a `.yaml` file.
    ///   - noColor: `--no-color` or a non-empty `NO_COLOR`: start (and stay) in monochrome.
    public static func make(directory: String?, requested: String?, noColor: Bool) throws(ThemeError) -> ThemeCatalog {
        if noColor { return ThemeCatalog(themes: [BuiltinThemes.monochrome]) }
        var themes = BuiltinThemes.all
        if let directory, FileManager.default.fileExists(atPath: directory) {
            for theme in try ThemeLoader.loadDirectory(directory) {
                if let index = themes.firstIndex(where: { $0.name == theme.name }) {
                    themes[index] = theme
                } else {
                    themes.append(theme)
                }
            }
        }
        guard let requested, !requested.isEmpty else { return ThemeCatalog(themes: themes) }
        if let index = themes.firstIndex(where: { $0.name == requested }) {
            return ThemeCatalog(themes: themes, initialIndex: index)
        }
        let looksLikeFile = requested.contains("/") || requested.hasSuffix(".yaml") || requested.hasSuffix(".yml")
        guard looksLikeFile, FileManager.default.fileExists(atPath: requested) else {
            throw ThemeError(file: requested, line: nil, key: nil, problem: .notFound(requested))
        }
        let theme = try ThemeLoader.load(path: requested)
        if let index = themes.firstIndex(where: { $0.name == theme.name }) {
            themes[index] = theme
            return ThemeCatalog(themes: themes, initialIndex: index)
        }
        themes.append(theme)
        return ThemeCatalog(themes: themes, initialIndex: themes.count - 1)
    }

    /// True when the environment asks for no colour (`NO_COLOR` set and non-empty, no-color.org).
    public static func environmentWantsNoColor(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        !(environment["NO_COLOR"] ?? "").isEmpty
    }
}
