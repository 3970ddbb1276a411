/// Builds Prometheus text exposition format (version 0.0.4): `# HELP` / `# TYPE` once per
/// metric family, then one sample per line with escaped label values.
struct PrometheusText {
    /// The kind of a metric family.
    enum Kind: String {
        case counter
        case gauge
    }

    /// The text so far.
    private(set) var output = ""

    /// Starts a metric family.
    mutating func family(_ name: String, _ kind: Kind, help: String) {
        output += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
    }

    /// Appends one sample of the current family.
    mutating func sample(_ name: String, labels: KeyValuePairs<String, String>, value: UInt64) {
        output += name
        if labels.count > 0 {
            output += "{"
            output += labels.map { "\($0.key)=\"\(Self.escape($0.value))\"" }.joined(separator: ",")
            output += "}"
        }
        output += " \(value)\n"
    }

    /// A label value with backslash, double quote and newline escaped, as the format requires.
    static func escape(_ value: String) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
