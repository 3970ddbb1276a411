import ArgumentParser
import FleetModel
import RouterWire

/// `fleettop ctl`: one edit on one router, its result printed; exits 0 only if applied.
public struct CtlCommand: AsyncParsableCommand {
    /// The subcommand's name, summary and edits.
    public static let configuration = CommandConfiguration(
        commandName: "ctl",
        abstract: "Apply one edit to one router and print the result (exit 0 only if applied).",
        discussion: """
            The admin address is read from the router's stats (`admin` key) when --admin is not given. \
            An edit reaches only the router whose stats address is given, never the other routers of \
            its process (the admin call names it by its stats' `admin_router`).
            """,
        subcommands: [
            CtlNodeCommand<DrainEdit>.self, CtlNodeCommand<UndrainEdit>.self, CtlNodeCommand<KickEdit>.self,
            CtlWeightCommand.self, CtlCheapCommand.self, CtlStaticCommand.self,
        ])

    /// The router options, accepted before the edit's name too (`ctl --stats ADDR drain …`).
    @OptionGroup public var target: CtlTargetOptions

    /// Creates the command (ArgumentParser fills it in).
    public init() {}
}

/// `--stats`, `--admin`, `--token-file` and `--timeout` of every `ctl` edit.
public struct CtlTargetOptions: ParsableArguments {
    /// `--stats ADDR` (required).
    @Option(
        name: .customLong("stats"),
        help: ArgumentHelp("The router's stats address.", valueName: "addr"),
        transform: ArgumentValues.parser(ArgumentValues.address, flag: "--stats"))
    public var stats: StatsAddress

    /// `--admin ADDR`.
    @Option(
        name: .customLong("admin"),
        help: ArgumentHelp("The router's admin API address (default: its stats' `admin` key).", valueName: "addr"),
        transform: ArgumentValues.parser(ArgumentValues.address, flag: "--admin"))
    public var admin: StatsAddress?

    /// `--token-file FILE`.
    @Option(name: .customLong("token-file"), help: ArgumentHelp("File holding the admin bearer token.", valueName: "file"))
    public var tokenFile: String?

    /// `--subscription-server ADDR`: a real uWSGI router's subscription server (kick, weight).
    @Option(
        name: .customLong("subscription-server"),
        help: ArgumentHelp("A uWSGI router's subscription server, for kick and weight.", valueName: "addr"),
        transform: ArgumentValues.parser(ArgumentValues.address, flag: "--subscription-server"))
    public var subscriptionServer: StatsAddress?

    /// `--timeout SEC`.
    @Option(
        name: .customLong("timeout"),
        help: ArgumentHelp("Seconds to wait for the router (default 3).", valueName: "sec"),
        transform: ArgumentValues.parser(ArgumentValues.seconds, flag: "--timeout"))
    public var timeout: Double?

    /// Creates empty options (ArgumentParser fills them in).
    public init() {}

    /// The configuration for `edit` on this router.
    public func configuration(edit: FleetEdit) -> CtlConfiguration {
        CtlConfiguration(stats: stats, admin: admin, tokenFile: tokenFile, subscriptionServer: subscriptionServer,
                         edit: edit, timeout: timeout ?? SnapshotConfiguration.defaultTimeout)
    }

    /// Runs the edit and turns "not applied" into exit code 1.
    func run(_ edit: FleetEdit) async throws {
        let code = try await CtlRunner.run(configuration(edit: edit))
        if code != 0 { throw ExitCode(code) }
    }
}

/// `--node NAME [--key KEY]`: the node an edit targets.
public struct CtlNodeOptions: ParsableArguments {
    /// `--node NAME`: the node's address as the router lists it.
    @Option(
        name: .customLong("node"),
        help: ArgumentHelp("The node's address as the router lists it (e.g. 127.0.0.1:3031).", valueName: "name"),
        transform: ArgumentValues.parser(ArgumentValues.name, flag: "--node"))
    public var node: String

    /// `--key KEY`: its subscription key; found from the router's stats when the node has one key.
    @Option(
        name: .customLong("key"),
        help: ArgumentHelp("The node's subscription key (needed only when the node serves several).", valueName: "key"),
        transform: ArgumentValues.parser(ArgumentValues.name, flag: "--key"))
    public var key: String?

    /// Creates empty options (ArgumentParser fills them in).
    public init() {}

    /// The node reference (key nil when not given; `CtlRunner` fills it in).
    public var reference: NodeRef { NodeRef(key: key, node: node) }
}

/// One of the node edits that take only a node: drain, undrain, kick.
public protocol CtlNodeEdit: Sendable {
    /// The subcommand name.
    static var name: String { get }
    /// Its one-line help.
    static var abstract: String { get }
    /// The edit for `node`.
    static func edit(_ node: NodeRef) -> FleetEdit
}

/// `ctl drain`.
public enum DrainEdit: CtlNodeEdit {
    public static let name = "drain"
    public static let abstract = "Stop new sessions to a node; in-flight sessions finish."
    public static func edit(_ node: NodeRef) -> FleetEdit { .drain(node) }
}

/// `ctl undrain`.
public enum UndrainEdit: CtlNodeEdit {
    public static let name = "undrain"
    public static let abstract = "Undo a drain."
    public static func edit(_ node: NodeRef) -> FleetEdit { .undrain(node) }
}

/// `ctl kick`.
public enum KickEdit: CtlNodeEdit {
    public static let name = "kick"
    public static let abstract = "Remove a node (a uWSGI node returns at its next announce)."
    public static func edit(_ node: NodeRef) -> FleetEdit { .kick(node) }
}

/// `ctl drain|undrain|kick --node NAME [--key KEY]`.
public struct CtlNodeCommand<Edit: CtlNodeEdit>: AsyncParsableCommand {
    /// The subcommand's name and summary.
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Edit.name, abstract: Edit.abstract)
    }

    /// The router.
    @OptionGroup public var target: CtlTargetOptions
    /// The node.
    @OptionGroup public var node: CtlNodeOptions

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// The configuration this command line asks for.
    public func makeConfiguration() -> CtlConfiguration { target.configuration(edit: Edit.edit(node.reference)) }

    /// Applies the edit.
    public func run() async throws { try await target.run(makeConfiguration().edit) }
}

/// `ctl weight --node NAME [--key KEY] --value N`.
public struct CtlWeightCommand: AsyncParsableCommand {
    /// The subcommand's name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "weight", abstract: "Set a node's operator weight (uWSGI: a temporary re-announce).")

    /// The router.
    @OptionGroup public var target: CtlTargetOptions
    /// The node.
    @OptionGroup public var node: CtlNodeOptions

    /// `--value N`.
    @Option(
        name: .customLong("value"),
        help: ArgumentHelp("The weight, a whole number of at least 1.", valueName: "n"),
        transform: ArgumentValues.parser(ArgumentValues.positiveInteger, flag: "--value"))
    public var value: UInt64

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// The configuration this command line asks for.
    public func makeConfiguration() -> CtlConfiguration { target.configuration(edit: .setWeight(node.reference, value)) }

    /// Applies the edit.
    public func run() async throws { try await target.run(makeConfiguration().edit) }
}

/// `ctl cheap on|off|auto`.
public struct CtlCheapCommand: AsyncParsableCommand {
    /// The subcommand's name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "cheap", abstract: "Set the router's cheap mode: on, off or auto.")

    /// The router.
    @OptionGroup public var target: CtlTargetOptions

    /// `on|off|auto`.
    @Argument(help: ArgumentHelp("on, off or auto.", valueName: "mode"), transform: ArgumentValues.parser(ArgumentValues.cheapMode, flag: "cheap"))
    public var mode: CheapModeValue

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// The configuration this command line asks for.
    public func makeConfiguration() -> CtlConfiguration {
        let cheap: StatsDocument.CheapMode
        switch mode {
        case .on: cheap = .on
        case .off: cheap = .off
        case .auto: cheap = .auto
        }
        return target.configuration(edit: .setCheap(cheap))
    }

    /// Applies the edit.
    public func run() async throws { try await target.run(makeConfiguration().edit) }
}

/// `ctl static add|remove ADDRESS`: a fleetrouter router's static (`-to`) nodes.
public struct CtlStaticCommand: AsyncParsableCommand {
    /// The subcommand's name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "static", abstract: "Add or remove one of a fleetrouter router's static nodes.")

    /// `add` or `remove`.
    public enum Change: String, ExpressibleByArgument, CaseIterable, Sendable {
        /// Add the node.
        case add
        /// Remove the node.
        case remove
    }

    /// The router.
    @OptionGroup public var target: CtlTargetOptions

    /// `add|remove`.
    @Argument(help: ArgumentHelp("add or remove.", valueName: "change"))
    public var change: Change

    /// The node address.
    @Argument(
        help: ArgumentHelp("The node's address (e.g. 127.0.0.1:3031 or /run/app.sock).", valueName: "address"),
        transform: ArgumentValues.parser(ArgumentValues.name, flag: "static"))
    public var address: String

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// The configuration this command line asks for.
    public func makeConfiguration() -> CtlConfiguration {
        target.configuration(edit: change == .add ? .addStatic(address: address) : .removeStatic(address: address))
    }

    /// Applies the edit.
    public func run() async throws { try await target.run(makeConfiguration().edit) }
}
