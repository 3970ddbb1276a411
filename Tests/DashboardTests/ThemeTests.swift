import Dashboard
import TUICore
import Testing

@Suite("Themes and the theme loader")
struct ThemeTests {
    @Test("the catalog: folder themes replace built-ins by name, --theme picks one, unknown names are nil")
    func catalogComposition() {
        var custom = BuiltinThemes.standard
        custom.name = "light"
        var extra = BuiltinThemes.standard
        extra.name = "neon"
        let catalog = ThemeCatalog.builtins(overriddenBy: [custom, extra])
        #expect(catalog.themes.map(\.name) == BuiltinThemes.names + ["neon"])
        #expect(catalog.themes.first { $0.name == "light" } == custom)
        #expect(catalog.initialIndex == 0)
        #expect(catalog.starting(on: "neon")?.initialIndex == BuiltinThemes.names.count)
        #expect(catalog.starting(on: "missing") == nil)
        #expect(ThemeCatalog.monochrome.themes.map(\.name) == ["monochrome"])
        #expect(ThemeCatalog.monochrome.themes[0].usesNoColor)
        #expect(!BuiltinThemes.standard.usesNoColor)
        #expect(ThemeCatalog.looksLikeFile("./x.yaml") && ThemeCatalog.looksLikeFile("a.yml") && !ThemeCatalog.looksLikeFile("light"))
        #expect(ThemeCatalog(themes: []).themes == [BuiltinThemes.standard])
    }

    @Test("a theme resolves roles through the buffer's palette")
    func palette() {
        let theme = BuiltinThemes.standard
        var buffer = Buffer(size: Size(width: 4, height: 1), palette: theme.palette)
        buffer.set(string: "ok", at: Point(x: 0, y: 0), style: .themed(.ok))
        #expect(buffer[0, 0]?.style.foreground == .green)
        #expect(buffer[0, 0]?.style.role == ThemeRole.ok.styleRole)
    }

    struct BadFile: Sendable, CustomStringConvertible {
        var text: String
        var line: Int
        var key: String
        var says: String
        var description: String { says }
    }

    static let badFiles: [BadFile] = [
        BadFile(text: "name: x\nroles:\n  ok: { fg: green }\n  selectd: { fg: red }\n", line: 4, key: "roles.selectd",
                says: "unknown role 'selectd'"),
        BadFile(text: "name: x\nroles:\n  ok:\n    fg: greem\n", line: 4, key: "roles.ok.fg", says: "bad colour 'greem'"),
        BadFile(text: "name: x\nroles:\n  dead: { attrs: [bold, blink] }\n", line: 3, key: "roles.dead.attrs",
                says: "bad attribute 'blink'"),
        BadFile(text: "name: x\nroles:\n  ok: { fg: green, colour: red }\n", line: 3, key: "roles.ok.colour",
                says: "unknown key 'colour'"),
        BadFile(text: "name: x\ncolours:\n  ok: {}\n", line: 2, key: "colours", says: "unknown key 'colours'"),
        BadFile(text: "name: x\ninherits: neon\nroles: {}\n", line: 2, key: "inherits", says: "inherits unknown theme 'neon'"),
        BadFile(text: "name: x\nroles:\n  ok: green\n", line: 3, key: "roles.ok", says: "expected a mapping"),
        BadFile(text: "name: x\nroles:\n  ok: { fg: 256 }\n", line: 3, key: "roles.ok.fg", says: "bad colour '256'"),
    ]

    @Test("bad files give file:line: key: problem", arguments: badFiles)
    func badFile(_ bad: BadFile) {
        do {
            _ = try ThemeLoader.parse(bad.text, file: "Themes/broken.yaml")
            Issue.record("parsed a bad theme")
        } catch {
            #expect(error.file == "Themes/broken.yaml")
            #expect(error.line == bad.line)
            #expect(error.key == bad.key)
            #expect(error.description.hasPrefix("Themes/broken.yaml:\(bad.line): \(bad.key): "))
            #expect(error.description.contains(bad.says), "\(error.description)")
        }
    }

    @Test("invalid YAML gives the file and line")
    func syntaxError() {
        do {
            _ = try ThemeLoader.parse("name: x\nroles:\n  ok: { fg: green\n", file: "t.yaml")
            Issue.record("parsed invalid YAML")
        } catch {
            #expect(error.line != nil)
            #expect(error.description.hasPrefix("t.yaml:"))
            #expect(error.description.contains("not valid YAML"))
        }
    }

    @Test("inherits fills roles a file leaves out")
    func inherits() throws {
        let theme = try ThemeLoader.parse("inherits: monochrome\nroles:\n  ok: { fg: green }\n", file: "mine.yaml")
        #expect(theme.name == "mine")
        #expect(theme[.ok].foreground == .green)
        #expect(theme[.selected].attributes == .reverse)
    }
}
