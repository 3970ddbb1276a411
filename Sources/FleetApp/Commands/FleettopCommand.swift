import ArgumentParser

/// The `fleettop` command: `watch` (the default), `snapshot`, `ctl` and `intent`.
public struct FleettopCommand: AsyncParsableCommand {
    /// The command's name, summary and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "fleettop",
        abstract: "A live dashboard for fleets of uWSGI-compatible routers.",
        discussion: """
            With no router given, `fleettop` starts a demo fleet so there is something to look at.
            ADDR is a router stats address in any form uWSGI uses: host:port, [v6]:port, a unix \
            socket path, @abstract, or http://host:port/path for --stats-http.
            """,
        subcommands: [WatchCommand.self, SnapshotCommand.self, CtlCommand.self, IntentCommand.self, CacheCommand.self],
        defaultSubcommand: WatchCommand.self)

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// Parses the command line and runs the command, awaiting the async ones. (Spelled out
    /// because `await FleettopCommand.main()` in top-level code resolves to the synchronous
    /// overload.)
    public static func runMain() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
