import Dashboard
import FleetApp
import Foundation
import Testing

@Suite("Theme files: the Themes/ folder and --theme FILE read from disk")
struct ThemeFilesTests {
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
        let theme = try ThemeFiles.load(path: "\(Self.themesDirectory)/\(name)")
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
        let catalog = try ThemeFiles.catalog(directory: Self.themesDirectory, requested: "solarized-dark", noColor: false)
        #expect(catalog.themes.map(\.name) == BuiltinThemes.names)
        #expect(catalog.themes[catalog.initialIndex].name == "solarized-dark")
        let byFile = try ThemeFiles.catalog(directory: nil, requested: "\(Self.themesDirectory)/light.yaml", noColor: false)
        #expect(byFile.themes[byFile.initialIndex].name == "light")
        #expect(throws: ThemeError.self) { try ThemeFiles.catalog(directory: nil, requested: "neon", noColor: false) }
    }

    @Test("--no-color and NO_COLOR give monochrome, which uses no colour at all")
    func noColor() throws {
        let catalog = try ThemeFiles.catalog(directory: Self.themesDirectory, requested: "light", noColor: true)
        #expect(catalog.themes.map(\.name) == ["monochrome"])
        #expect(catalog.themes[0].usesNoColor)
    }

    @Test("an unreadable --theme file or folder is an error naming it")
    func unreadable() {
        #expect(throws: ThemeError.self) { try ThemeFiles.load(path: "/nonexistent/theme.yaml") }
        #expect(throws: ThemeError.self) { try ThemeFiles.loadDirectory("/nonexistent-themes-dir") }
        #expect(throws: ThemeError.self) { try ThemeFiles.catalog(directory: nil, requested: "/nonexistent/x.yaml", noColor: false) }
    }
}
