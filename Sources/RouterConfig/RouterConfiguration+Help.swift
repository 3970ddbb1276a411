extension RouterConfiguration {
    /// The options part of `fleetrouter --help`, generated from the option table and grouped
    /// by router; `--help`/`--version` themselves belong to the executable.
    public static func helpText() -> String {
        var lines = [
            "Options use uWSGI's names; a uWSGI router command line runs unchanged.",
            "Values: --name VALUE or --name=VALUE; in --ini/--yaml files the same names without dashes.",
            "ADDR: host:port, :port (all interfaces), [ipv6]:port, a UNIX path or @abstract.",
            "[…] is the default; (repeatable) options add one item each time they are given.",
        ]
        let entries = OptionTable.entries
        func section(_ title: String, _ rows: [OptionEntry]) {
            guard !rows.isEmpty else { return }
            lines.append("")
            lines.append("\(title):")
            for entry in rows { lines.append(contentsOf: helpLines(entry)) }
        }
        section(OptionEntry.Group.fleettop.rawValue, entries.filter { $0.kind == nil && $0.group == .fleettop })
        section(OptionEntry.Group.files.rawValue, entries.filter { $0.kind == nil && $0.group == .files })
        section(OptionEntry.Group.instance.rawValue, entries.filter { $0.kind == nil && $0.group == .instance })
        for kind in RouterKind.allCases {
            section(kind.title, entries.filter { $0.kind == kind })
        }
        section(OptionEntry.Group.ignored.rawValue, entries.filter { $0.kind == nil && $0.group == .ignored })
        section(OptionEntry.Group.unsupported.rawValue, entries.filter { $0.kind == nil && $0.group == .unsupported })
        return lines.joined(separator: "\n") + "\n"
    }

    private static func helpLines(_ entry: OptionEntry) -> [String] {
        let value = switch entry.arity {
        case .flag: ""
        case .value(let metavar): " \(metavar)"
        case .optionalValue(let metavar): " [\(metavar)]"
        }
        let names = entry.names.map { "--\($0)" }.joined(separator: ", ") + value
        var summary = entry.summary
        if entry.repeatable { summary += " (repeatable)" }
        switch entry.effect {
        case .ignored, .apply, .include: break
        case .unsupported(let reason) where entry.kind != nil: summary = "refused: \(reason)"
        case .unsupported: break
        }
        if case .ignored = entry.effect, entry.kind != nil { summary = "ignored: \(entry.summary)" }
        let column = 34
        if names.count + 4 <= column {
            return ["  " + names + String(repeating: " ", count: column - names.count - 2) + summary]
        }
        return ["  " + names, String(repeating: " ", count: column) + summary]
    }
}
