import ArgumentParser

/// `fleettop watch`: the interactive dashboard (the default subcommand).
public struct WatchCommand: AsyncParsableCommand {
    /// The subcommand's name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch and edit the fleet live (the default).")

    /// `--stats` and `--fleet`.
    @OptionGroup public var routers: RouterOptions

    /// `--token-file FILE`.
    @Option(name: .customLong("token-file"), help: ArgumentHelp(
        "Admin token for routers the fleet file gives none for.", valueName: "file"))
    public var tokenFile: String?

    /// `--interval SEC`.
    @Option(
        name: .customLong("interval"),
        help: ArgumentHelp("Seconds between polls, fractions allowed (default 1).", valueName: "sec"),
        transform: ArgumentValues.parser(ArgumentValues.seconds, flag: "--interval"))
    public var interval: Double?

    /// `--theme NAME|FILE`.
    @Option(name: .customLong("theme"), help: ArgumentHelp(
        "A theme name (default, light, monochrome, high-contrast, solarized-dark, or one in Themes/) or a theme file.",
        valueName: "name|file"))
    public var theme: String?

    /// `--readonly`.
    @Flag(name: .customLong("readonly"), help: "Show edits as unavailable; send nothing.")
    public var readOnly = false

    /// `--no-color`.
    @Flag(name: .customLong("no-color"), help: "Draw without colour (as does a non-empty NO_COLOR).")
    public var noColor = false

    /// `--max-frames N`.
    @Option(
        name: .customLong("max-frames"),
        help: ArgumentHelp("Exit after drawing N frames (for scripts and tests).", valueName: "n"),
        transform: ArgumentValues.parser(ArgumentValues.frameCount, flag: "--max-frames"))
    public var maxFrames: Int?

    /// `--poll-only`.
    @Flag(name: .customLong("poll-only"), help: "Poll every router's stats server, fleetrouters too (by default a fleetrouter's admin API pushes its stats over one long-lived connection).")
    public var pollOnly = false

    /// `--demo`.
    @Flag(name: .customLong("demo"), help: "Watch the embedded demo fleet (also the default with no router).")
    public var demo = false

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// Rejects `--demo` together with named routers.
    public func validate() throws {
        if demo && !routers.isEmpty {
            throw ValidationError(ConfigurationError.conflictingFlags("--demo", "--stats or --fleet").description)
        }
    }

    /// The configuration this command line asks for.
    public func makeConfiguration() -> WatchConfiguration {
        var configuration = WatchConfiguration(
            routers: routers.selection(tokenFile: tokenFile), interval: interval, theme: theme,
            readOnly: readOnly, noColor: noColor, maxFrames: maxFrames, demo: demo)
        configuration.pollOnly = pollOnly
        return configuration
    }

    /// Runs the dashboard on this terminal (on the main thread: curses is not thread-safe).
    public func run() async throws {
        let code = try await WatchSession.run(makeConfiguration())
        if code != 0 { throw ExitCode(code) }
    }
}
