import ArgumentParser
import FleetModel
import FleetRegistry

/// `--stats ADDR`… and `--fleet FILE`: the routers a command watches or polls.
public struct RouterOptions: ParsableArguments {
    /// `--stats ADDR`, repeatable.
    @Option(
        name: .customLong("stats"),
        help: ArgumentHelp(
            "A router's stats address: host:port, [v6]:port, unix path, @abstract or http://host:port/path (repeatable).",
            valueName: "addr"),
        transform: ArgumentValues.parser(ArgumentValues.address, flag: "--stats"))
    public var stats: [StatsAddress] = []

    /// `--fleet FILE`.
    @Option(name: .customLong("fleet"), help: ArgumentHelp("A fleet file (YAML) listing routers.", valueName: "file"))
    public var fleet: String?

    /// `--registry etcd://…/PREFIX`.
    @Option(
        name: .customLong("registry"),
        help: ArgumentHelp(
            "An etcd fleet registry to discover routers from and follow live: etcd://host:port[,host:port…]/prefix.",
            valueName: "url"),
        transform: ArgumentValues.parser(ArgumentValues.registry, flag: "--registry"))
    public var registry: RegistryLocation?

    /// `--registry-user`, `--registry-password-file`.
    @OptionGroup public var registryCredentials: RegistryCredentialOptions

    /// Creates empty options (ArgumentParser fills them in).
    public init() {}

    /// True when neither `--stats`, `--fleet` nor `--registry` was given.
    public var isEmpty: Bool { stats.isEmpty && fleet == nil && registry == nil }

    /// The selection these options name, with `tokenFile` for routers that name none.
    public func selection(tokenFile: String? = nil) -> RouterSelection {
        RouterSelection(addresses: stats, fleetFile: fleet, tokenFile: tokenFile, registry: registry.map(registryCredentials.applied(to:)))
    }
}
