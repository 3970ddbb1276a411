import Yams

/// One `key [= value]` read from a configuration file, with its line.
struct FileOption: Equatable {
    /// The option name without dashes.
    let name: String
    /// The value; nil for a bare key (a flag) or a YAML null.
    let value: String?
    /// 1-based line number.
    let line: Int
}

/// Turns the text of an `--ini` or `--yaml` file into options, in file order.
enum ConfigurationFileReader {
    /// The section / top-level key uWSGI reads.
    static let section = "uwsgi"

    /// Reads the `[uwsgi]` section of an ini file; other sections are skipped.
    ///
    /// Full-line `#` and `;` comments and blank lines are skipped; `key = value` gives an
    /// option, a bare `key` a flag; a repeated key repeats the option.
    static func ini(_ text: String, path: String) throws(ConfigurationError) -> [FileOption] {
        var options: [FileOption] = []
        var inSection = false
        var sawSection = false
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingSpaces()
            let number = index + 1
            func fail(_ reason: String) -> ConfigurationError {
                ConfigurationError(option: path, source: .file(path: path, line: number), problem: .badFile(reason: reason))
            }
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    throw fail("malformed section header '\(line)': expected [name]")
                }
                inSection = line.dropFirst().dropLast().trimmingSpaces() == section
                sawSection = sawSection || inSection
                continue
            }
            guard inSection else { continue }
            let key: String
            let value: String?
            if let equals = line.firstIndex(of: "=") {
                key = line[..<equals].trimmingSpaces()
                value = line[line.index(after: equals)...].trimmingSpaces()
            } else {
                key = line
                value = nil
            }
            guard !key.isEmpty, !key.contains(where: { $0 == " " || $0 == "\t" }) else {
                throw fail("malformed line '\(line)': expected 'option = value' or a bare 'option'")
            }
            options.append(FileOption(name: key, value: value, line: number))
        }
        guard sawSection else {
            throw ConfigurationError(option: path, source: nil, problem: .badFile(reason: "no [uwsgi] section"))
        }
        return options
    }

    /// Reads the `uwsgi:` mapping of a YAML file; a sequence value repeats the option.
    static func yaml(_ text: String, path: String) throws(ConfigurationError) -> [FileOption] {
        func fail(_ reason: String, line: Int?) -> ConfigurationError {
            ConfigurationError(option: path, source: line.map { .file(path: path, line: $0) }, problem: .badFile(reason: reason))
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw fail("not valid YAML: \(error)", line: nil)
        } catch {
            throw fail("not valid YAML: \(error)", line: nil)
        }
        guard let mapping = root?.mapping else { throw fail("expected a top-level mapping with a uwsgi: key", line: nil) }
        guard let section = mapping.first(where: { $0.key.string == Self.section }) else {
            throw fail("no uwsgi: mapping", line: nil)
        }
        if section.value.null != nil { return [] }
        guard let options = section.value.mapping else {
            throw fail("uwsgi: must be a mapping of option names to values", line: section.value.mark?.line)
        }
        var result: [FileOption] = []
        for (key, value) in options {
            let line = key.mark?.line ?? 0
            guard let name = key.string, !name.isEmpty else {
                throw fail("an option name must be a plain string", line: line)
            }
            let items: [Node] = value.sequence.map { Array($0) } ?? [value]
            for item in items {
                if item.null != nil {
                    result.append(FileOption(name: name, value: nil, line: line))
                } else if let scalar = item.scalar {
                    result.append(FileOption(name: name, value: scalar.string, line: item.mark?.line ?? line))
                } else {
                    throw fail("option \(name): expected a value or a list of values, not a nested mapping", line: line)
                }
            }
        }
        return result
    }
}
