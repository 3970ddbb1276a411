import Foundation
import Testing
import ThreadTesting

/// Comments and module docs cite only files that are in the repository.
@Suite("Comment citations", .ownThread)
struct CommentCitationTests {
    /// Every file a reader could look up: sources, tests, benchmarks and the top level.
    static let repositoryPaths: [String] = ["Sources", "Tests", "Benchmarks", ".ci", "docs"].flatMap(RepositoryFiles.paths(under:))
        + ["Package.swift", "README.md"]

    /// The comment lines of Swift sources and the text of DocC articles, with where they are.
    static func commentLines() throws -> [(file: String, line: Int, text: String)] {
        var lines: [(file: String, line: Int, text: String)] = []
        for path in ["Sources", "Tests"].flatMap(RepositoryFiles.paths(under:)) {
            let isSwift = path.hasSuffix(".swift")
            guard isSwift || path.hasSuffix(".md") else { continue }
            for (index, line) in try RepositoryFiles.text(path).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !isSwift || trimmed.hasPrefix("//") else { continue }
                lines.append((path, index + 1, trimmed))
            }
        }
        return lines
    }

    /// Markdown, shell and Python file names, as a comment would cite a document or script
    /// (C names are left out: they are uWSGI's own sources, and `a.b.c` keys look alike).
    static func citedFiles(in text: String) -> [String] {
        let pattern = /[A-Za-z0-9_][A-Za-z0-9_.\/-]*\.(md|sh|py)\b/
        return text.matches(of: pattern).map { String($0.output.0) }
    }

    @Test("the scanner finds citations, so the checks below can fail")
    func scannerWorks() {
        #expect(Self.citedFiles(in: "/// see router-options.md §2 and Benchmarks/http-router.sh") == ["router-options.md", "Benchmarks/http-router.sh"])
        #expect(Self.repositoryPaths.contains("Benchmarks/http-router.sh"))
        #expect(Self.repositoryPaths.contains { $0.hasSuffix("/RouterRuntime.swift") })
    }

    @Test("every file a comment cites exists in the repository")
    func citedFilesExist() throws {
        var missing: [String] = []
        for (file, line, text) in try Self.commentLines() where !file.hasSuffix("/CommentCitationTests.swift") {
            for cited in Self.citedFiles(in: text) {
                let found = Self.repositoryPaths.contains { $0 == cited || $0.hasSuffix("/" + cited) }
                if !found { missing.append("\(file):\(line): \(cited)") }
            }
        }
        #expect(missing.isEmpty, "comments cite files not in the repository:\n\(missing.joined(separator: "\n"))")
    }

    @Test("no comment cites sections of a reference document that is not in the repository")
    func noOutsideSectionCitations() throws {
        let cites = try Self.commentLines().filter { $0.text.contains("reference §") || $0.text.contains("routers §") }
        #expect(cites.isEmpty, "\(cites.map { "\($0.file):\($0.line)" })")
    }
}
