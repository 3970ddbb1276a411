import ArgumentParser

/// `fleettop snapshot`: poll every router once and print the fleet.
public struct SnapshotCommand: AsyncParsableCommand {
    /// The subcommand's name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Poll every router once and print routers, keys and nodes (or --json).",
        discussion: "Exits 0 when at least one router answered; errors name the router and its address on stderr.")

    /// `--stats` and `--fleet`.
    @OptionGroup public var routers: RouterOptions

    /// `--json`.
    @Flag(name: .customLong("json"), help: "Print the routers' stats documents as one JSON object keyed by router.")
    public var json = false

    /// `--timeout SEC`.
    @Option(
        name: .customLong("timeout"),
        help: ArgumentHelp("Seconds to wait for each router (default 3).", valueName: "sec"),
        transform: ArgumentValues.parser(ArgumentValues.seconds, flag: "--timeout"))
    public var timeout: Double?

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// Requires at least one router.
    public func validate() throws {
        if routers.isEmpty {
            throw ValidationError("snapshot needs routers: give --stats ADDR (repeatable), --fleet FILE or --registry URL")
        }
    }

    /// The configuration this command line asks for.
    public func makeConfiguration() -> SnapshotConfiguration {
        SnapshotConfiguration(
            routers: routers.selection(), json: json, timeout: timeout ?? SnapshotConfiguration.defaultTimeout)
    }

    /// Polls and prints.
    public func run() async throws {
        let code = try await SnapshotRunner.run(makeConfiguration())
        if code != 0 { throw ExitCode(code) }
    }
}
