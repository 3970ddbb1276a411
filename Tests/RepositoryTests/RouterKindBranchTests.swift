import Foundation
import Testing
import ThreadTesting

/// A router kind is a driver: only the drivers (`Sources/RouterRuntime/Drivers/`), the kinds'
/// configuration rules (`Sources/RouterConfig/Kinds/`) and the declarative option tables name a
/// kind in a branch. Anywhere else, a branch on the kind would be a place a new kind forgets.
@Suite("Router kind branches", .ownThread)
struct RouterKindBranchTests {
    /// Folders whose files may branch on the kind.
    static let allowedFolders = ["Sources/RouterRuntime/Drivers/", "Sources/RouterConfig/Kinds/"]

    /// Code that tests or switches over the router kind, as (line, code) in `text`.
    static func branches(in text: String) -> [(line: Int, code: String)] {
        let kinds = "(?:http|fastrouter|rawrouter|sslrouter|forkptyrouter|tuntap)"
        let patterns = [
            // `case .rawrouter`, `== .tuntap` (`.http` alone is also the stats server's mode).
            #"(?:case|==|!=)\s*\.(?:fastrouter|rawrouter|sslrouter|forkptyrouter|tuntap)\b"#,
            // `spec.kind == .http`, `kind != .tuntap`.
            #"kind\s*(?:==|!=)\s*\.[a-z]"#,
            // A switch whose first case is a router kind (`switch spec.kind { case .http: … default: }`).
            #"switch\s[^{\n]*\{\s*case\s+\."# + kinds + #"\b"#,
            // `if case .http(let options) = kind`.
            #"case\s+\."# + kinds + #"\b[^=\n]*=\s*[A-Za-z_.]*kind\b"#,
            // `[.http, .fastrouter].contains(spec.kind)`.
            #"contains\(\s*[A-Za-z_.]*kind\s*\)"#,
            // `configuration.router(.http)`: a lookup that means "this kind behaves so".
            #"router\(\s*\."# + kinds + #"\s*\)"#,
        ]
        // Comments may name kinds freely.
        let code = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).hasPrefix("//") ? "" : String($0) }
            .joined(separator: "\n")
        var found: [(line: Int, code: String)] = []
        for pattern in patterns {
            let regex = try! Regex(pattern)
            for match in code.matches(of: regex) {
                let line = code[..<match.range.lowerBound].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
                found.append((line, String(code[match.range]).replacingOccurrences(of: "\n", with: " ")))
            }
        }
        return found.sorted { $0.line < $1.line }
    }

    @Test("the scanner finds branches on the kind, so the check below can fail")
    func scannerWorks() {
        let samples = [
            "        if spec.kind == .http, mappers.isEmpty {",
            "        case .fastrouter:",
            "        guard [.http, .fastrouter, .rawrouter].contains(spec.kind) else {",
            "        switch kind {\n        case .http:\n            return 1\n        default:\n            return 2\n        }",
            "        if case .http(let options) = kind {",
            "        if configuration.router(.http) == nil {",
        ]
        for sample in samples {
            #expect(Self.branches(in: sample).count == 1, "\(sample)")
        }
        let innocent = [
            "        guard case .waitingForHead = state, mode == .http else { return }",
            "        switch spec.kind {\n        case .inet:\n            break\n        }",
            "        /// `case .rawrouter` in a comment",
            "        routers.first { $0.kind == kind }",
        ]
        for sample in innocent {
            #expect(Self.branches(in: sample).isEmpty, "\(sample)")
        }
    }

    @Test("nothing outside the drivers and the kinds' rules branches on the router kind")
    func onlyDriversBranchOnTheKind() throws {
        var offenders: [String] = []
        for path in ["Sources/RouterConfig", "Sources/RouterRuntime"].flatMap(RepositoryFiles.paths(under:)) {
            guard path.hasSuffix(".swift"), !Self.allowedFolders.contains(where: path.hasPrefix) else { continue }
            // The option tables declare which kinds take an option; they do not branch.
            guard !path.contains("/OptionTable") else { continue }
            for branch in Self.branches(in: try RepositoryFiles.text(path)) {
                offenders.append("\(path):\(branch.line): \(branch.code)")
            }
        }
        #expect(offenders.isEmpty, "branches on the router kind outside a driver:\n\(offenders.joined(separator: "\n"))")
    }

    @Test("the drivers' folders exist, so the exemption above names real code")
    func driverFoldersExist() {
        for folder in Self.allowedFolders {
            #expect(!RepositoryFiles.paths(under: String(folder.dropLast())).isEmpty, "\(folder)")
        }
        for kind in ["HTTP", "HTTPS", "FastRouter", "RawRouter", "SSLRouter", "ForkptyRouter", "Tuntap"] {
            #expect(RepositoryFiles.paths(under: "Sources/RouterRuntime/Drivers/\(kind)").contains { $0.hasSuffix("Driver.swift") }, "\(kind)")
        }
    }
}
