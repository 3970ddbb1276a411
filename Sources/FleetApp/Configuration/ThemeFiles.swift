import Dashboard
import Foundation

/// Reads theme files from disk for the dashboard: a `Themes/` folder and `--theme FILE`.
///
/// Dashboard parses and composes themes without touching the file system; this is where the
/// files are found and read.
public enum ThemeFiles {
    /// Reads and parses the theme file at `path`.
    public static func load(path: String) throws(ThemeError) -> Theme {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ThemeError(file: path, line: nil, key: nil, problem: .unreadable(error.localizedDescription))
        }
        return try ThemeLoader.parse(text, file: path)
    }

    /// Every `*.yaml`/`*.yml` theme in `directory`, sorted by file name; the first bad file throws.
    public static func loadDirectory(_ directory: String) throws(ThemeError) -> [Theme] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ThemeError(file: directory, line: nil, key: nil, problem: .unreadable(error.localizedDescription))
        }
        var themes: [Theme] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            themes.append(try load(path: (directory as NSString).appendingPathComponent(name)))
        }
        return themes
    }

    /// Builds the catalog the executable starts with.
    ///
    /// - Parameters:
    ///   - directory: a `Themes/` folder, if one was found; its files replace built-ins of the
    ///     same name and add new ones. A bad file there throws (naming file, line and key).
    ///   - requested: `--theme` value: a theme name or a path to a `.yaml` file.
    ///   - noColor: `--no-color` or a non-empty `NO_COLOR`: start (and stay) in monochrome.
    public static func catalog(directory: String?, requested: String?, noColor: Bool) throws(ThemeError) -> ThemeCatalog {
        if noColor { return .monochrome }
        var folderThemes: [Theme] = []
        if let directory, FileManager.default.fileExists(atPath: directory) {
            folderThemes = try loadDirectory(directory)
        }
        let catalog = ThemeCatalog.builtins(overriddenBy: folderThemes)
        guard let requested, !requested.isEmpty else { return catalog }
        if let named = catalog.starting(on: requested) { return named }
        guard ThemeCatalog.looksLikeFile(requested), FileManager.default.fileExists(atPath: requested) else {
            throw ThemeError(file: requested, line: nil, key: nil, problem: .notFound(requested))
        }
        let theme = try load(path: requested)
        return catalog.adding([theme]).starting(on: theme.name) ?? catalog
    }

}
