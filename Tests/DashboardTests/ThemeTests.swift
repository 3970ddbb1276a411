import Dashboard
import Foundation
import TUICore
import Testing

@Suite("Themes and the theme loader")
struct ThemeTests {
    static let themesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Themes").path

    static let fileNames: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: themesDirectory)) ?? [])
        .filter { $0.hasSuffix(".yaml") }.sorted()

    @Test("Themes/ holds at least the five required themes")
    func requiredThemesPresent() {
        for name in BuiltinThemes.names {
            #expect(Self.fileNames.contains("\(name).yaml"), "Themes/\(name).yaml missing")
        }
    }

    @Test("every file in Themes/ loads, defines every role, and equals its built-in copy", arguments: fileNames)
    func fileLoads(name: String) throws {
        let theme = try ThemeLoader.load(path: "\(Self.themesDirectory)/\(name)")
        #expect(theme.name + ".yaml" == name)
        for role in ThemeRole.allCases {
            #expect(theme.styles[role] != nil, "\(name) leaves out \(role.fileKey)")
        }
        if let builtin = BuiltinThemes.theme(named: theme.name) {
            #expect(builtin == theme, "Sources/Dashboard/Themes/BuiltinThemes.swift is out of date for \(name)")
        }
    }

    @Test("the whole folder loads through the catalog, and --theme picks by name or file")
    func catalog() throws {
        let catalog = try ThemeCatalog.make(directory: Self.themesDirectory, requested: "solarized-dark", noColor: false)
        #expect(catalog.themes.map(\.name) == BuiltinThemes.names)
        #expect(catalog.themes[catalog.initialIndex].name == "solarized-dark")
        let byFile = try ThemeCatalog.make(directory: nil, requested: "\(Self.themesDirectory)/light.yaml", noColor: false)
        #expect(byFile.themes[byFile.initialIndex].name == "light")
        #expect(throws: ThemeError.self) { try ThemeCatalog.make(directory: nil, requested: "neon", noColor: false) }
    }

    @Test("--no-color and NO_COLOR give monochrome, which uses no colour at all")
    func noColor() throws {
        let catalog = try ThemeCatalog.make(directory: Self.themesDirectory, requested: "light", noColor: true)
        #expect(catalog.themes.map(\.name) == ["monochrome"])
        #expect(catalog.themes[0].usesNoColor)
        #expect(ThemeCatalog.environmentWantsNoColor(["NO_COLOR": "1"]))
        #expect(!ThemeCatalog.environmentWantsNoColor(["NO_COLOR": ""]))
        #expect(!ThemeCatalog.environmentWantsNoColor([:]))
        #expect(!BuiltinThemes.standard.usesNoColor)
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
