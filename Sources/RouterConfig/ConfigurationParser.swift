/// Applies uWSGI-style options from the command line and from `--ini`/`--yaml` files, in order.
struct ConfigurationParser {
    /// The deepest chain of files including files.
    static let maximumIncludeDepth = 8

    private var context = OptionContext(configuration: RouterConfiguration(), notices: [])
    private let fileReader: (String) throws -> String
    private var includeStack: [String] = []

    init(fileReader: @escaping (String) throws -> String) {
        self.fileReader = fileReader
    }

    /// Parses `arguments` (without the program name), then validates the result.
    static func parse(arguments: [String], fileReader: @escaping (String) throws -> String)
        throws(ConfigurationError) -> (RouterConfiguration, notices: [String]) {
        var parser = ConfigurationParser(fileReader: fileReader)
        try parser.applyArguments(arguments)
        var notices = parser.context.notices
        try SharedSockets.resolve(&parser.context.configuration, notices: &notices)
        try ConfigurationValidator.validate(parser.context.configuration, notices: &notices)
        return (parser.context.configuration, notices)
    }

    private mutating func applyArguments(_ arguments: [String]) throws(ConfigurationError) {
        var index = 0
        while index < arguments.count {
            let token = arguments[index]
            let source = OptionSource.commandLine(position: index + 1)
            index += 1
            let name: String
            var inlineValue: String?
            if token.hasPrefix("--") {
                let body = token.dropFirst(2)
                if let equals = body.firstIndex(of: "=") {
                    name = String(body[..<equals])
                    inlineValue = String(body[body.index(after: equals)...])
                } else {
                    name = String(body)
                }
            } else if token.count == 2, token.hasPrefix("-"), let short = token.last, let long = OptionTable.shortNames[short] {
                name = long
            } else if token.hasPrefix("-") {
                let bare = String(token.drop(while: { $0 == "-" }))
                throw ConfigurationError(option: token, source: source,
                                         problem: .unknownOption(suggestion: OptionTable.byName[bare] != nil ? bare : OptionTable.suggestion(for: bare)))
            } else if let format = Self.fileFormat(ofPath: token) {
                // uWSGI takes a bare file name as a configuration file, by extension.
                try include(format, path: token, option: format == .ini ? "--ini" : "--yaml", source: source)
                continue
            } else {
                throw ConfigurationError(option: token, source: source, problem: .unexpectedArgument)
            }
            let written = "--\(name)"
            guard let entry = OptionTable.byName[name] else {
                throw ConfigurationError(option: written, source: source,
                                         problem: .unknownOption(suggestion: OptionTable.suggestion(for: name)))
            }
            var value = inlineValue
            if value == nil {
                switch entry.arity {
                case .flag:
                    break
                case .value(let metavar):
                    guard index < arguments.count else {
                        throw ConfigurationError(option: written, source: source, problem: .missingValue(expected: metavar))
                    }
                    value = arguments[index]
                    index += 1
                case .optionalValue:
                    if index < arguments.count, !arguments[index].hasPrefix("-") {
                        value = arguments[index]
                        index += 1
                    }
                }
            }
            try apply(entry, written: written, value: value, source: source)
        }
    }

    private static func fileFormat(ofPath path: String) -> ConfigurationFileFormat? {
        if path.hasSuffix(".ini") { return .ini }
        if path.hasSuffix(".yaml") || path.hasSuffix(".yml") { return .yaml }
        return nil
    }

    private mutating func apply(_ entry: OptionEntry, written: String, value rawValue: String?,
                                source: OptionSource) throws(ConfigurationError) {
        var value = rawValue
        switch entry.arity {
        case .flag:
            // `key =` in a file, like a bare `key`, sets the flag.
            if value?.trimmingSpaces().isEmpty == true { value = nil }
        case .value(let metavar):
            guard value != nil else {
                throw ConfigurationError(option: written, source: source, problem: .missingValue(expected: metavar))
            }
        case .optionalValue:
            if value?.isEmpty == true { value = nil }
        }
        switch entry.effect {
        case .ignored(let reason):
            let shown = value.map { "\(written) \($0)" } ?? written
            let notice = "ignored: \(shown) (\(reason))"
            if !context.notices.contains(notice) { context.notices.append(notice) }
        case .unsupported(let reason):
            throw ConfigurationError(option: written, source: source, problem: .unsupported(reason: reason))
        case .include(let format):
            try include(format, path: value ?? "", option: written, source: source)
        case .apply(let body):
            context.optionName = written
            context.source = source
            do {
                try body(&context, value)
            } catch {
                throw ConfigurationError(option: written, source: source,
                                         problem: .invalidValue(value ?? "", expected: error.expected))
            }
        }
    }

    private mutating func include(_ format: ConfigurationFileFormat, path: String, option: String,
                                  source: OptionSource) throws(ConfigurationError) {
        guard !path.isEmpty else {
            throw ConfigurationError(option: option, source: source, problem: .missingValue(expected: "FILE"))
        }
        guard !includeStack.contains(path) else {
            throw ConfigurationError(option: option, source: source,
                                     problem: .badFile(reason: "\(path) includes itself (\((includeStack + [path]).joined(separator: " → ")))"))
        }
        guard includeStack.count < Self.maximumIncludeDepth else {
            throw ConfigurationError(option: option, source: source,
                                     problem: .badFile(reason: "files nested deeper than \(Self.maximumIncludeDepth) levels"))
        }
        let text: String
        do {
            text = try fileReader(path)
        } catch {
            throw ConfigurationError(option: option, source: source, problem: .badFile(reason: "cannot read \(path): \(error)"))
        }
        let options = switch format {
        case .ini: try ConfigurationFileReader.ini(text, path: path)
        case .yaml: try ConfigurationFileReader.yaml(text, path: path)
        }
        includeStack.append(path)
        defer { includeStack.removeLast() }
        for option in options {
            let fileSource = OptionSource.file(path: path, line: option.line)
            let written = "--\(option.name)"
            guard let entry = OptionTable.byName[option.name] else {
                throw ConfigurationError(option: written, source: fileSource,
                                         problem: .unknownOption(suggestion: OptionTable.suggestion(for: option.name)))
            }
            try apply(entry, written: written, value: option.value, source: fileSource)
        }
    }
}

extension RouterConfiguration {
    /// Parses a uWSGI router command line (without the program name) into a configuration.
    ///
    /// `--ini FILE` and `--yaml FILE` are read through `fileReader` (path → text) and applied
    /// where they appear. Returns the configuration and notices: ignored uWSGI-only options
    /// and warnings from validation. Throws the first problem found.
    public static func parse(arguments: [String], fileReader: @escaping (String) throws -> String)
        throws(ConfigurationError) -> (RouterConfiguration, notices: [String]) {
        try ConfigurationParser.parse(arguments: arguments, fileReader: fileReader)
    }
}
