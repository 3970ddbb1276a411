import Foundation
import Testing
import ThreadTesting

/// The target graph keeps its layers: the dashboard knows no sockets or terminals, the
/// routing core no event loops, the model no client, and the runtime no dashboard model.
@Suite("Dependency rules", .ownThread)
struct DependencyRulesTests {
    /// A dependency one target must not have, directly or through others.
    struct Rule: Sendable, CustomStringConvertible {
        let target: String
        /// A module name, or a prefix when it ends with `*` (`NIO*`).
        let forbidden: String
        /// Modules reached only transitively that are allowed anyway.
        var allowedTransitively: Set<String> = []

        func matches(_ module: String) -> Bool {
            forbidden.hasSuffix("*") ? module.hasPrefix(forbidden.dropLast()) : module == forbidden
        }

        var description: String { "\(target) → \(forbidden)" }
    }

    static let rules: [Rule] = [
        // RouterWire's codecs carry NIOCore's `ByteBuffer`, a plain value type; nothing else of
        // NIO may reach the dashboard.
        Rule(target: "Dashboard", forbidden: "NIO*", allowedTransitively: ["NIOCore"]),
        Rule(target: "Dashboard", forbidden: "FleetClient"),
        Rule(target: "Dashboard", forbidden: "TUICurses"),
        Rule(target: "Dashboard", forbidden: "RouterRuntime"),
        Rule(target: "RouterCore", forbidden: "NIOPosix"),
        Rule(target: "FleetModel", forbidden: "FleetClient"),
        Rule(target: "TUICore", forbidden: "Dashboard"),
        Rule(target: "RouterRuntime", forbidden: "FleetModel"),
        Rule(target: "RouterConfig", forbidden: "NIO*", allowedTransitively: ["NIOCore"]),
        Rule(target: "RouterConfig", forbidden: "RouterRuntime"),
    ]

    /// Each target's direct dependencies (targets and products) as `Package.swift` lists them.
    static func targetDependencies(inManifest text: String) -> [String: [String]] {
        var graph: [String: [String]] = [:]
        let declaration = /\.(?:target|executableTarget|testTarget|systemLibrary)\(\s*name:\s*"([^"]+)"/
        for match in text.matches(of: declaration) {
            let name = String(match.output.1)
            var dependencies: [String] = []
            let rest = text[match.range.upperBound...]
            // The dependency list, if any, comes before the next declaration.
            let end = rest.firstMatch(of: declaration)?.range.lowerBound ?? rest.endIndex
            let body = rest[..<end]
            if let list = body.firstMatch(of: /dependencies:\s*\[/) {
                var depth = 1
                var index = list.range.upperBound
                while index < body.endIndex, depth > 0 {
                    if body[index] == "[" { depth += 1 } else if body[index] == "]" { depth -= 1 }
                    index = body.index(after: index)
                }
                let items = body[list.range.upperBound..<index]
                for product in items.matches(of: /\.product\(\s*name:\s*"([^"]+)"/) { dependencies.append(String(product.output.1)) }
                let withoutProducts = items.replacing(/\.product\([^)]*\)/, with: "")
                for target in withoutProducts.matches(of: /"([^"]+)"/) { dependencies.append(String(target.output.1)) }
            }
            graph[name] = dependencies
        }
        return graph
    }

    /// The modules each source target imports, read from its Swift files.
    static func sourceImports() throws -> [String: Set<String>] {
        var imports: [String: Set<String>] = [:]
        for path in RepositoryFiles.paths(under: "Sources") where path.hasSuffix(".swift") {
            let target = String(path.split(separator: "/")[1])
            for line in try RepositoryFiles.text(path).split(separator: "\n") where line.contains("import ") {
                guard let match = line.firstMatch(of: /^\s*(?:@testable\s+|@_exported\s+|public\s+|internal\s+|package\s+)?import\s+(?:struct\s+|enum\s+|class\s+|func\s+)?([A-Za-z_][A-Za-z0-9_]*)/) else { continue }
                imports[target, default: []].insert(String(match.output.1))
            }
        }
        return imports
    }

    /// Every rule broken by `graph` (direct or transitive) or by `imports` (direct).
    static func violations(graph: [String: [String]], imports: [String: Set<String>]) -> [String] {
        var found: [String] = []
        for rule in rules {
            let direct = Set(graph[rule.target] ?? []).union(imports[rule.target] ?? [])
            for module in direct.sorted() where rule.matches(module) {
                found.append("\(rule): \(rule.target) depends on or imports \(module)")
            }
            var seen: Set<String> = []
            var stack: [(module: String, path: [String])] = (graph[rule.target] ?? []).map { ($0, [rule.target, $0]) }
            while let (module, path) = stack.popLast() {
                guard seen.insert(module).inserted else { continue }
                if rule.matches(module), !direct.contains(module), !rule.allowedTransitively.contains(module) {
                    found.append("\(rule): \(path.joined(separator: " → "))")
                }
                stack += (graph[module] ?? []).map { ($0, path + [$0]) }
            }
        }
        return found
    }

    @Test("Package.swift and the sources' imports break no layering rule")
    func packageKeepsTheRules() throws {
        let graph = Self.targetDependencies(inManifest: try RepositoryFiles.text("Package.swift"))
        #expect(graph["Dashboard"]?.contains("TUICore") == true, "the manifest reader found Dashboard's dependencies")
        #expect(graph["RouterRuntime"]?.contains("NIOPosix") == true, "the manifest reader found products")
        let imports = try Self.sourceImports()
        #expect(imports["RouterRuntime"]?.contains("NIOCore") == true, "the import reader found RouterRuntime's imports")
        let broken = Self.violations(graph: graph, imports: imports)
        #expect(broken.isEmpty, "\(broken.joined(separator: "\n"))")
    }

    @Test("test doubles reach only tests, benchmarks and the demo")
    func testingTargetsStayInTests() throws {
        let graph = Self.targetDependencies(inManifest: try RepositoryFiles.text("Package.swift"))
        let imports = try Self.sourceImports()
        let mayLink: Set<String> = ["FleetApp", "DashboardBench", "WireBench", "PollBench",
                                    "FleetModelTesting", "RouterCoreTesting", "TUICoreTesting", "DataPlaneTesting",
                                    "ProcessTesting", "ThreadTesting"]
        let sourceTargets = Set(imports.keys)
        var broken: [String] = []
        for target in sourceTargets.sorted() where !mayLink.contains(target) {
            let uses = Set(graph[target] ?? []).union(imports[target] ?? []).filter { $0.hasSuffix("Testing") }
            broken += uses.sorted().map { "\(target) → \($0)" }
        }
        #expect(sourceTargets.contains("RouterRuntime"), "the import reader found the source targets")
        #expect(broken.isEmpty, "\(broken)")
    }

    /// File-system calls that belong to the executable, not to the pure dashboard.
    static let fileIOCalls = ["FileManager", "contentsOfFile", "contentsOf:", "fopen(", "FileHandle", "open(", "opendir("]

    /// `file:line: call` for every file-system call in `text`, ignoring comments.
    static func fileIOUses(in text: String, file: String) -> [String] {
        var uses: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for call in fileIOCalls where code.contains(call) {
                uses.append("\(file):\(number + 1): \(call)")
            }
        }
        return uses
    }

    @Test("Dashboard reads no files: theme files are read by the executable")
    func dashboardDoesNoFileIO() throws {
        #expect(Self.fileIOUses(in: "let x = try String(contentsOfFile: p)", file: "X.swift") == ["X.swift:1: contentsOfFile"])
        #expect(Self.fileIOUses(in: "// FileManager in a comment", file: "X.swift").isEmpty)
        var uses: [String] = []
        for path in RepositoryFiles.paths(under: "Sources/Dashboard") where path.hasSuffix(".swift") {
            uses += Self.fileIOUses(in: try RepositoryFiles.text(path), file: path)
        }
        #expect(uses.isEmpty, "\(uses.joined(separator: "\n"))")
    }

    @Test("a forbidden dependency is caught, directly, transitively and by import")
    func checkerCatchesViolations() {
        let manifest = """
            .target(name: "Dashboard", dependencies: ["TUICore", "FleetModel"]),
            .target(name: "FleetModel", dependencies: ["RouterWire", "FleetClient"]),
            .target(
                name: "FleetClient",
                dependencies: [.product(name: "NIOPosix", package: "swift-nio"), "FleetModel"]
            ),
            .target(name: "RouterWire", dependencies: [.product(name: "NIOCore", package: "swift-nio")]),
            .target(name: "TUICore"),
            """
        let graph = Self.targetDependencies(inManifest: manifest)
        #expect(graph["FleetClient"] == ["NIOPosix", "FleetModel"])
        #expect(graph["TUICore"] == [])
        let broken = Self.violations(graph: graph, imports: ["TUICore": ["Dashboard"]])
        #expect(broken.contains("FleetModel → FleetClient: FleetModel depends on or imports FleetClient"))
        #expect(broken.contains("Dashboard → FleetClient: Dashboard → FleetModel → FleetClient"))
        #expect(broken.contains("Dashboard → NIO*: Dashboard → FleetModel → FleetClient → NIOPosix"))
        #expect(broken.contains("TUICore → Dashboard: TUICore depends on or imports Dashboard"))
        #expect(!broken.contains { $0.contains("NIOCore") }, "NIOCore through RouterWire is allowed: \(broken)")
    }
}
