import Foundation
import Testing
@testable import RouterConfig
import RouterWire

/// The option tables against the reference's (`docs/router-options.md`) tables: every option
/// a row marks A or P is one fleetrouter carries out (or, for P, accepts with a notice saying
/// why it has nothing to do), and every option marked X is refused with its reason, which
/// `--help` shows. A row added to the reference without support fails here.
@Suite("Reference options: every A/P option applied, every X option refused with its reason")
struct ReferenceOptionCoverageTests {
    /// How the reference maps an option.
    enum Mapping: String, Sendable { case native = "A", processModel = "P", outOfScope = "X" }

    /// One option name of a reference row, `<a>` expanded, with its mapping.
    struct ReferenceOption: Sendable, CustomStringConvertible {
        let name: String
        let mapping: Mapping
        let section: String
        var description: String { "--\(name) (\(mapping.rawValue), \(section))" }
    }

    /// Options that deviate from their row, each with the reason; anything else must match.
    static let deviations: [String: String] = [
        // X in the reference, carried out here: uWSGI's feature works and costs nothing.
        "ssl-tmp-dir": "applied: inline PEM in subscriptions' sni_crt/sni_key/sni_ca",
        // A on the server side, which is the notify= key a node sends (applied); the option
        // itself is the node's own.
        "subscription-notify-socket": "the client side (P): a node's option, accepted with a notice",
        // P, left refused: each reason is in --help.
        "http-use-socket": "refused at start",
        "fastrouter-use-socket": "refused at start",
        "rawrouter-use-socket": "refused at start",
        "sslrouter-use-socket": "refused at start",
    ]

    static let allRouters = ["http", "fastrouter", "rawrouter", "sslrouter", "forkptyrouter"]
    static let mappingRouters = ["http", "fastrouter", "rawrouter", "sslrouter"]

    /// The reference document, from the package root.
    static func referenceText() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("docs/router-options.md"), encoding: .utf8)
    }

    /// A table row's cells; `\|` inside a cell is not a separator.
    static func cells(_ line: String) -> [String] {
        var cells: [String] = []
        var current = ""
        var previous: Character = " "
        for character in line.dropFirst() {
            if character == "|" && previous != "\\" {
                cells.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        return cells
    }

    /// The first mapping word in bold (`**A**`, `**A/P**`, `**P/X**`…) of a cell, by its first
    /// letter; nil for a cell that only refers elsewhere (`§2`).
    static func mapping(in cell: String) -> Mapping? {
        guard let match = cell.firstMatch(of: /\*\*([APX])(\/[APX])?\*\*/) else { return nil }
        return Mapping(rawValue: String(match.output.1))
    }

    /// Every option of the reference's tables whose first cell names one (`--…`).
    static func referenceOptions(_ text: String) -> [ReferenceOption] {
        var options: [ReferenceOption] = []
        var section = ""
        var routersColumn: Int?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("#") {
                section = line.trimmingCharacters(in: CharacterSet(charactersIn: "# "))
                routersColumn = nil
                continue
            }
            guard line.hasPrefix("|") else { continue }
            let row = cells(line)
            if row.first.map({ !$0.contains("`") }) == true, row.contains("routers") || row.last == "Fleettop mapping" || row.last?.contains("mapping") == true {
                routersColumn = row.firstIndex(of: "routers")
                continue
            }
            guard row.count >= 2, let mapping = mapping(in: row[row.count - 1]) else { continue }
            let names = row[0].matches(of: /`(--[a-z0-9<>-]+)/).map { String($0.output.1.dropFirst(2)) }
            let routers: [String] = {
                guard let routersColumn, routersColumn < row.count else { return mappingRouters }
                let cell = row[routersColumn].split(separator: "(").first.map(String.init) ?? ""
                if cell.trimmingCharacters(in: .whitespaces) == "all" { return allRouters }
                return allRouters.filter { router in cell.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == router } }
            }()
            let forkptyOutOfScope = row[row.count - 1].contains("forkpty: **X**")
            for name in names {
                guard name.contains("<a>") else {
                    options.append(ReferenceOption(name: name, mapping: mapping, section: section))
                    continue
                }
                for router in routers {
                    options.append(ReferenceOption(
                        name: name.replacingOccurrences(of: "<a>", with: router),
                        mapping: router == "forkptyrouter" && forkptyOutOfScope ? .outOfScope : mapping, section: section))
                }
            }
        }
        return options
    }

    /// A command line that reaches `entry`: its router's listener first, when it has one.
    static func arguments(for entry: OptionEntry, name: String) -> [String] {
        var arguments: [String] = []
        if let kind = entry.kind {
            arguments += kind == .tuntap ? ["--tuntap-router", "tun0 /run/tuntap.sock"] : [kind == .sslrouter ? "--sslrouter-to" : "--\(kind.prefix)-to", "127.0.0.1:1"]
            if kind == .forkptyrouter { arguments = ["--forkptyrouter", ":0"] }
        }
        switch entry.arity {
        case .flag: arguments.append("--\(name)")
        case .value, .optionalValue: arguments += ["--\(name)", "1"]
        }
        return arguments
    }

    @Test("the reader finds the reference's rows, so the checks below can fail")
    func readerFindsRows() throws {
        let options = Self.referenceOptions(try Self.referenceText())
        let byName = Dictionary(options.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(options.count > 150, "\(options.count) options read")
        #expect(byName["http-to"]?.mapping == .native)
        #expect(byName["rawrouter-quiet"]?.mapping == .native && byName["forkptyrouter-quiet"] == nil)
        #expect(byName["forkptyrouter-fallback"]?.mapping == .outOfScope && byName["fastrouter-fallback"]?.mapping == .native)
        #expect(byName["forkptyrouter-cheap"]?.mapping == .outOfScope && byName["sslrouter-cheap"]?.mapping == .native)
        #expect(byName["fastrouter-harakiri"]?.mapping == .processModel && byName["http-events"]?.mapping == .processModel)
        #expect(byName["sslrouter-max-retries"]?.mapping == .native)
        #expect(byName["ssl-option"]?.mapping == .outOfScope)
        #expect(byName["tuntap-router-firewall-in"]?.mapping == .native)
        #expect(byName["subscription-mountpoint"]?.mapping == .native)
        #expect(Self.mapping(in: "**P/X**: no NIO equivalent") == .processModel)
        #expect(Self.mapping(in: "§2") == nil)
    }

    @Test("every option the reference marks A or P is in the option table and carried out (P: or accepted with its reason)")
    func nativeAndProcessModelOptionsApply() throws {
        var problems: [String] = []
        for option in Self.referenceOptions(try Self.referenceText()) where option.mapping != .outOfScope {
            guard Self.deviations[option.name] == nil else { continue }
            guard let entry = OptionTable.byName[option.name] else {
                problems.append("\(option): not in the option table")
                continue
            }
            switch entry.effect {
            case .apply:
                break
            case .ignored(let reason) where option.mapping == .processModel:
                if reason.isEmpty { problems.append("\(option): ignored without a reason") }
            case .ignored:
                problems.append("\(option): only ignored")
            case .unsupported(let reason):
                problems.append("\(option): refused (\(reason))")
            case .include:
                problems.append("\(option): reads a file")
            }
            if case .apply = entry.effect, let error = parseError(Self.arguments(for: entry, name: option.name)),
               case .unsupported = error.problem {
                problems.append("\(option): refused when parsed: \(error)")
            }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("every option the reference marks X is refused with its reason, and --help lists it with that reason")
    func outOfScopeOptionsAreRefusedWithTheirReason() throws {
        let help = RouterConfiguration.helpText().split(separator: "\n").map(String.init)
        var problems: [String] = []
        var refused = 0
        for option in Self.referenceOptions(try Self.referenceText()) where option.mapping == .outOfScope {
            guard Self.deviations[option.name] == nil else { continue }
            guard let entry = OptionTable.byName[option.name], case .unsupported(let reason) = entry.effect else {
                problems.append("\(option): not refused by the option table")
                continue
            }
            guard case .unsupported(let given)? = parseError(Self.arguments(for: entry, name: option.name))?.problem, given == reason else {
                problems.append("\(option): not refused with its reason when given")
                continue
            }
            // The entry's line, or the line after it when the names fill the first column.
            guard let index = help.firstIndex(where: { $0.hasPrefix("  --") && $0.contains("--\(option.name)") }),
                  help[index...].prefix(2).joined(separator: " ").contains(reason) else {
                problems.append("\(option): --help does not list it with \"\(reason)\"")
                continue
            }
            refused += 1
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(refused >= 3, "\(refused) X options checked")
    }

    @Test("the P and A options left refused are refused with a reason --help shows")
    func deviationsThatRefuseSayWhy() throws {
        let help = RouterConfiguration.helpText()
        for name in Self.deviations.keys.sorted() where Self.deviations[name]?.hasPrefix("refused") == true {
            let entry = try #require(OptionTable.byName[name], "\(name)")
            switch entry.effect {
            case .unsupported(let reason):
                #expect(help.contains(reason), "\(name)")
            case .apply:
                // Refused when the router starts; the summary says so and why.
                #expect(entry.summary.hasPrefix("refused at start: ") && help.contains(entry.summary), "\(name): \(entry.summary)")
            default:
                Issue.record("\(name) is neither refused nor applied")
            }
        }
    }
}

@Suite("--shared-socket and =N listeners")
struct SharedSocketTests {
    @Test("a router listener =N is shared socket N's address, with its own mode; unnamed shared sockets are reported")
    func listenersTakeTheSharedAddress() throws {
        let (configuration, notices) = try parse([
            "--shared-socket", "127.0.0.1:8080", "--undeferred-shared-socket", "/run/raw.sock", "--shared-socket", ":9000",
            "--http", "=0", "--http-to", "127.0.0.1:3031", "--rawrouter", "=1", "--rawrouter-to", "127.0.0.1:22",
        ])
        #expect(configuration.router(.http)?.listeners.map(\.address.configured) == ["127.0.0.1:8080"])
        #expect(configuration.router(.http)?.listeners.first?.address.endpoint == .inet(host: "127.0.0.1", port: 8080))
        #expect(configuration.router(.rawrouter)?.listeners.map(\.address.configured) == ["/run/raw.sock"])
        #expect(notices.contains("warning: --shared-socket :9000 (=2) is named by no router listener; it is not bound"))
    }

    @Test("=N past the shared sockets given, and a shared socket written =N, are refused naming what is wrong")
    func badReferences() {
        let error = parseError(["--shared-socket", ":8080", "--http", "=1", "--http-to", "127.0.0.1:1"])
        #expect(error?.problem == .invalidConfiguration(reason: "=1 names --shared-socket number 1, and only 1 (=0…=0) are given"))
        let none = parseError(["--http", "=0", "--http-to", "127.0.0.1:1"])
        #expect(none?.problem == .invalidConfiguration(reason: "=0 names --shared-socket number 0, and none is given"))
        #expect(parseError(["--shared-socket", "=0", "--http", ":80", "--http-to", "127.0.0.1:1"])?.option == "--shared-socket")
    }
}
