import ArgumentParser
import FleetModel
import RouterWire

/// `fleettop cache`: list, set or delete items of a fleetrouter process's key → nodes caches
/// (`--cache2`, read by `--xxx-use-cache`) through its admin API.
public struct CacheCommand: AsyncParsableCommand {
    /// The subcommand's name, summary and actions.
    public static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "List, set or delete items of a fleetrouter process's routing caches (--cache2) through its admin API.",
        discussion: """
            A value is `addr1|addr2|…`, each with an optional `,modifier1`, as uWSGI's cache \
            forwarder reads it. Caches belong to the process, not to one of its routers. Edits are \
            saved in the router's state file.
            """,
        subcommands: [CacheListCommand.self, CacheSetCommand.self, CacheDeleteCommand.self])

    /// Creates the command (ArgumentParser fills it in).
    public init() {}
}

/// `--admin`, `--token-file`, `--timeout` and `--cache` of every cache action.
public struct CacheTargetOptions: ParsableArguments {
    /// `--admin ADDR` (required).
    @Option(
        name: .customLong("admin"),
        help: ArgumentHelp("The fleetrouter process's admin API address.", valueName: "addr"),
        transform: ArgumentValues.parser(ArgumentValues.address, flag: "--admin"))
    public var admin: StatsAddress

    /// `--token-file FILE`.
    @Option(name: .customLong("token-file"), help: ArgumentHelp("File holding the admin bearer token.", valueName: "file"))
    public var tokenFile: String?

    /// `--timeout SEC`.
    @Option(
        name: .customLong("timeout"),
        help: ArgumentHelp("Seconds to wait for the router (default 3).", valueName: "sec"),
        transform: ArgumentValues.parser(ArgumentValues.seconds, flag: "--timeout"))
    public var timeout: Double?

    /// Creates empty options (ArgumentParser fills them in).
    public init() {}

    /// Runs `request`, turning a failure into exit code 1.
    func run(_ request: AdminRequest, json: Bool = false) async throws {
        let code = await CacheRunner.run(
            request, admin: admin, tokenFile: tokenFile, timeout: timeout ?? SnapshotConfiguration.defaultTimeout, json: json)
        if code != 0 { throw ExitCode(code) }
    }
}

/// `cache list [--json]`.
public struct CacheListCommand: AsyncParsableCommand {
    /// The action's name and summary.
    public static let configuration = CommandConfiguration(commandName: "list", abstract: "Print every cache and its items.")

    /// The process.
    @OptionGroup public var target: CacheTargetOptions

    /// `--json`: the admin API's listing as it came.
    @Flag(name: .customLong("json"), help: "Print the listing as JSON.")
    public var json = false

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// Lists.
    public func run() async throws { try await target.run(.listCache, json: json) }
}

/// `cache set KEY VALUE [--cache NAME] [--expires EPOCH]`.
public struct CacheSetCommand: AsyncParsableCommand {
    /// The action's name and summary.
    public static let configuration = CommandConfiguration(commandName: "set", abstract: "Set one item (its key's nodes).")

    /// The process.
    @OptionGroup public var target: CacheTargetOptions

    /// `--cache NAME` (default: the process's first cache).
    @Option(name: .customLong("cache"), help: ArgumentHelp("The cache (default: the first).", valueName: "name"))
    public var cache: String?

    /// `--expires EPOCH`.
    @Option(name: .customLong("expires"), help: ArgumentHelp("Expiry in epoch seconds (default: never).", valueName: "epoch"))
    public var expires: UInt64?

    /// The key.
    @Argument(help: ArgumentHelp("The routing key.", valueName: "key"), transform: ArgumentValues.parser(ArgumentValues.name, flag: "key"))
    public var key: String

    /// The value.
    @Argument(help: ArgumentHelp("addr1|addr2|… (each with an optional ,modifier1).", valueName: "value"))
    public var value: String

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// The call this command line asks for.
    public var request: AdminRequest { .setCacheItem(cache: cache, key: key, value: value, expires: expires) }

    /// Sets.
    public func run() async throws { try await target.run(request) }
}

/// `cache delete KEY [--cache NAME]`.
public struct CacheDeleteCommand: AsyncParsableCommand {
    /// The action's name and summary.
    public static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete one item.")

    /// The process.
    @OptionGroup public var target: CacheTargetOptions

    /// `--cache NAME` (default: the process's first cache).
    @Option(name: .customLong("cache"), help: ArgumentHelp("The cache (default: the first).", valueName: "name"))
    public var cache: String?

    /// The key.
    @Argument(help: ArgumentHelp("The routing key.", valueName: "key"), transform: ArgumentValues.parser(ArgumentValues.name, flag: "key"))
    public var key: String

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// The call this command line asks for.
    public var request: AdminRequest { .deleteCacheItem(cache: cache, key: key) }

    /// Deletes.
    public func run() async throws { try await target.run(request) }
}
