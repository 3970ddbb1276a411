/// How an option is applied to the configuration being built.
typealias OptionApply = @Sendable (inout OptionContext, String?) throws(ValueError) -> Void

/// The state one option application works on.
struct OptionContext {
    /// The configuration built so far.
    var configuration: RouterConfiguration
    /// Notices collected so far.
    var notices: [String]
    /// The option's name as written (`--http-modifier1`), for notices.
    var optionName: String = ""
    /// Where the option came from, for notices.
    var source: OptionSource = .commandLine(position: 0)

    /// Adds a notice that names the current option and its source.
    mutating func notice(_ text: String) {
        notices.append("\(source): \(optionName): \(text)")
    }
}

/// One row of the option table: names, where it applies, what it takes and what it does.
///
/// The table (`OptionTable.entries`) drives the argv, ini and yaml readers, the help text and
/// the name suggestions, so an option exists exactly once.
struct OptionEntry: Sendable {
    /// What the option takes after its name.
    enum Arity: Sendable, Equatable {
        /// No value; in a file `key = true/false` or a bare `key`.
        case flag
        /// A value is required; the string names it in help (`ADDR`).
        case value(String)
        /// A value may follow; on the command line only when it does not start with `-`.
        case optionalValue(String)
    }

    /// What the option does.
    enum Effect: Sendable {
        /// Applies the value to the configuration.
        case apply(OptionApply)
        /// Accepted and ignored with a notice (matters only to uWSGI).
        case ignored(reason: String)
        /// Refused with a clear error.
        case unsupported(reason: String)
        /// Reads a configuration file of the given format and applies its options in place.
        case include(ConfigurationFileFormat)
    }

    /// Help-text groups of instance-wide options.
    enum Group: String, Sendable, CaseIterable {
        case fleettop = "Fleettop options"
        case files = "Configuration files"
        case instance = "Instance-wide router and subscription options"
        case ignored = "Accepted and ignored (they matter only to uWSGI)"
        case unsupported = "Refused (not supported by fleetrouter)"
    }

    /// Names without dashes; the first is the one shown first in help.
    let names: [String]
    /// The router the option belongs to; nil for instance-wide options.
    let kind: RouterKind?
    /// What follows the name.
    let arity: Arity
    /// True when repeating the option adds another item instead of replacing the value.
    let repeatable: Bool
    /// One line for help, with the default in brackets.
    let summary: String
    /// What the option does.
    let effect: Effect
    /// The help group for instance-wide options.
    let group: Group

    init(_ names: [String], kind: RouterKind? = nil, _ arity: Arity, repeatable: Bool = false,
         group: Group = .instance, _ summary: String, _ effect: Effect) {
        self.names = names
        self.kind = kind
        self.arity = arity
        self.repeatable = repeatable
        self.summary = summary
        self.effect = effect
        switch effect {
        case .ignored: self.group = .ignored
        case .unsupported: self.group = .unsupported
        case .include: self.group = .files
        case .apply: self.group = group
        }
    }
}

/// The configuration file formats `--ini` and `--yaml` read.
enum ConfigurationFileFormat: Sendable {
    /// `[uwsgi]` section of an ini file.
    case ini
    /// `uwsgi:` mapping of a YAML file.
    case yaml
}

/// Helpers the table's closures share.
extension OptionEntry {
    /// The value of a required-value option (the parser guarantees it; this keeps `!` out).
    static func required(_ value: String?) throws(ValueError) -> String {
        guard let value else { throw ValueError(expected: "a value") }
        return value
    }

    /// A flag's state: set by its presence, or by a boolean written after it.
    static func flag(_ value: String?) throws(ValueError) -> Bool {
        guard let value else { return true }
        return try ValueParse.bool(value)
    }

    /// Builds the entries of a per-router option for each of `kinds`.
    ///
    /// `suffixes` are appended to the router prefix (`to` gives `--http-to`); an empty suffix
    /// is the prefix alone (the listener option).
    static func router(_ suffixes: [String], _ kinds: [RouterKind], _ arity: Arity, repeatable: Bool = false,
                       _ summary: String,
                       _ body: @escaping @Sendable (inout RouterSpec, String?) throws(ValueError) -> Void) -> [OptionEntry] {
        kinds.map { kind in
            OptionEntry(names(suffixes, kind), kind: kind, arity, repeatable: repeatable, summary,
                        .apply { context, value throws(ValueError) in
                            try context.configuration.withRouter(kind) { spec throws(ValueError) in
                                try body(&spec, value)
                            }
                        })
        }
    }

    /// Builds per-router entries that only produce a notice or an error.
    static func router(_ suffixes: [String], _ kinds: [RouterKind], _ arity: Arity, repeatable: Bool = false,
                       _ summary: String, _ effect: Effect) -> [OptionEntry] {
        kinds.map { OptionEntry(names(suffixes, $0), kind: $0, arity, repeatable: repeatable, summary, effect) }
    }

    private static func names(_ suffixes: [String], _ kind: RouterKind) -> [String] {
        suffixes.map { $0.isEmpty ? kind.prefix : "\(kind.prefix)-\($0)" }
    }
}
