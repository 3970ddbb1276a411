import ArgumentParser
import FleetRegistry
import Foundation

/// `fleettop intent`: fleet-wide edits kept in the etcd registry, which every fleetrouter
/// registered there applies (and a router that starts later applies before serving).
public struct IntentCommand: AsyncParsableCommand {
    /// The subcommand's name, summary and actions.
    public static let configuration = CommandConfiguration(
        commandName: "intent",
        abstract: "List, set or clear fleet-wide edits in the etcd registry (every registered fleetrouter applies them).",
        discussion: """
            An intent on a target that already has one is refused, naming who set it, unless \
            --replace gives the revision `intent list` shows: two operators never overwrite each \
            other silently. Clearing an intent undoes it on every router.
            """,
        subcommands: [IntentListCommand.self, IntentDrainCommand.self, IntentWeightCommand.self, IntentCheapCommand.self, IntentClearCommand.self])

    /// Creates the command (ArgumentParser fills it in).
    public init() {}
}

/// `--registry`, `--operator`, `--timeout` of every intent action.
public struct IntentRegistryOptions: ParsableArguments {
    /// `--registry URL` (required).
    @Option(
        name: .customLong("registry"),
        help: ArgumentHelp("The etcd fleet registry: etcd://host:port[,host:port…]/prefix.", valueName: "url"),
        transform: ArgumentValues.parser(ArgumentValues.registry, flag: "--registry"))
    public var registry: RegistryLocation

    /// `--registry-user`, `--registry-password-file`.
    @OptionGroup public var credentials: RegistryCredentialOptions

    /// `--timeout SEC`.
    @Option(
        name: .customLong("timeout"),
        help: ArgumentHelp("Seconds to wait for the registry (default 3).", valueName: "sec"),
        transform: ArgumentValues.parser(ArgumentValues.seconds, flag: "--timeout"))
    public var timeout: Double?

    /// Creates empty options (ArgumentParser fills them in).
    public init() {}

    var store: IntentStore {
        let location = credentials.applied(to: registry)
        return IntentStore(location: location, client: EtcdClient(
            location: location, timeout: FleetServices.duration(seconds: timeout ?? SnapshotConfiguration.defaultTimeout)))
    }
}

/// `--reason`, `--operator`, `--router`, `--replace` of the actions that set an intent.
public struct IntentSetOptions: ParsableArguments {
    /// `--reason TEXT` (required).
    @Option(name: .customLong("reason"), help: ArgumentHelp("Why (kept with the intent and shown to everyone).", valueName: "text"))
    public var reason: String

    /// `--operator NAME`.
    @Option(name: .customLong("operator"), help: ArgumentHelp("Who sets it (default $USER@host).", valueName: "name"))
    public var author: String?

    /// `--router NAME`, repeatable.
    @Option(name: .customLong("router"), help: ArgumentHelp("Apply only on this registered router (repeatable; default every router).", valueName: "name"))
    public var routers: [String] = []

    /// `--replace REVISION`.
    @Option(name: .customLong("replace"), help: ArgumentHelp("Replace the intent on this target written at REVISION (see `intent list`).", valueName: "revision"))
    public var replace: Int64?

    /// Creates empty options (ArgumentParser fills them in).
    public init() {}

    var scope: [String]? { routers.isEmpty ? nil : routers }

    var operatorName: String {
        if let author { return author }
        let user = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        return "\(user)@\(ProcessInfo.processInfo.hostName)"
    }
}

/// Runs one intent write and prints what happened.
enum IntentWriter {
    static func write(
        _ make: (String, Double) throws(FleetIntentError) -> FleetIntent, options: IntentSetOptions, registry: IntentRegistryOptions
    ) async throws {
        let intent: FleetIntent
        do {
            intent = try make(options.operatorName, Date().timeIntervalSince1970)
        } catch {
            throw ValidationError(error.description)
        }
        let outcome: IntentStore.Outcome
        do {
            outcome = try await registry.store.set(intent, replacing: options.replace)
        } catch {
            throw IntentFailure(message: error.description)
        }
        try report(outcome, done: "set \(intent.name): \(intent.summary)")
    }

    static func report(_ outcome: IntentStore.Outcome, done: String) throws {
        switch outcome {
        case .done(let revision):
            print("\(TerminalSafeText.escaped(done)) (revision \(revision))")
        case .conflict(let current?):
            throw IntentFailure(message: TerminalSafeText.escaped(
                "refused: \(current.intent.name) is \(current.intent.summary), set at revision \(current.revision); " +
                "pass --replace \(current.revision) (or clear it with that revision) if you mean to change it"))
        case .conflict(nil):
            throw IntentFailure(message: "refused: the intent changed or was cleared since its revision was read; list again")
        }
    }
}

/// An intent action that did not happen: printed, exit status 1.
struct IntentFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { "fleettop intent: \(message)" }
}

/// `fleettop intent list`.
public struct IntentListCommand: AsyncParsableCommand {
    /// The action's name and summary.
    public static let configuration = CommandConfiguration(commandName: "list", abstract: "List the fleet-wide intents with who set them.")
    /// `--registry`, `--timeout`.
    @OptionGroup public var registry: IntentRegistryOptions

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// Lists.
    public func run() async throws {
        let stored: [IntentStore.Stored]
        do {
            stored = try await registry.store.list()
        } catch {
            throw IntentFailure(message: error.description)
        }
        if stored.isEmpty { print("no fleet intents under \(registry.registry)") }
        for item in stored {
            let time = Date(timeIntervalSince1970: item.intent.time).formatted(.iso8601)
            print(TerminalSafeText.escaped("\(item.intent.name)  rev \(item.revision)  \(time)  \(item.intent.summary)"))
        }
    }
}

/// `fleettop intent drain --node ADDR`.
public struct IntentDrainCommand: AsyncParsableCommand {
    /// The action's name and summary.
    public static let configuration = CommandConfiguration(commandName: "drain", abstract: "Drain a node address on every router (or those named).")
    /// `--registry`, `--timeout`.
    @OptionGroup public var registry: IntentRegistryOptions
    /// `--reason`, `--operator`, `--router`, `--replace`.
    @OptionGroup public var options: IntentSetOptions
    /// `--node ADDR`.
    @Option(name: .customLong("node"), help: ArgumentHelp("The node address, as routers list it.", valueName: "addr"))
    public var node: String

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// Writes the intent.
    public func run() async throws {
        try await IntentWriter.write({ author, time throws(FleetIntentError) in
            try FleetIntent.drain(node: node, routers: options.scope, author: author, time: time, reason: options.reason)
        }, options: options, registry: registry)
    }
}

/// `fleettop intent weight --node ADDR --weight N`.
public struct IntentWeightCommand: AsyncParsableCommand {
    /// The action's name and summary.
    public static let configuration = CommandConfiguration(commandName: "weight", abstract: "Give a node address a weight on every router (or those named).")
    /// `--registry`, `--timeout`.
    @OptionGroup public var registry: IntentRegistryOptions
    /// `--reason`, `--operator`, `--router`, `--replace`.
    @OptionGroup public var options: IntentSetOptions
    /// `--node ADDR`.
    @Option(name: .customLong("node"), help: ArgumentHelp("The node address, as routers list it.", valueName: "addr"))
    public var node: String
    /// `--weight N`.
    @Option(name: .customLong("weight"), help: ArgumentHelp("The weight, at least 1.", valueName: "n"))
    public var weight: UInt64

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// Writes the intent.
    public func run() async throws {
        try await IntentWriter.write({ author, time throws(FleetIntentError) in
            try FleetIntent.weight(node: node, weight: weight, routers: options.scope, author: author, time: time, reason: options.reason)
        }, options: options, registry: registry)
    }
}

/// `fleettop intent cheap on|off`.
public struct IntentCheapCommand: AsyncParsableCommand {
    /// The action's name and summary.
    public static let configuration = CommandConfiguration(commandName: "cheap", abstract: "Force cheap mode on or off on every router (or those named).")
    /// `--registry`, `--timeout`.
    @OptionGroup public var registry: IntentRegistryOptions
    /// `--reason`, `--operator`, `--router`, `--replace`.
    @OptionGroup public var options: IntentSetOptions
    /// `on` or `off`.
    @Argument(help: ArgumentHelp("on or off.", valueName: "mode"))
    public var mode: String

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// Writes the intent.
    public func run() async throws {
        try await IntentWriter.write({ author, time throws(FleetIntentError) in
            try FleetIntent.cheap(mode, routers: options.scope, author: author, time: time, reason: options.reason)
        }, options: options, registry: registry)
    }
}

/// `fleettop intent clear NAME --revision N`.
public struct IntentClearCommand: AsyncParsableCommand {
    /// The action's name and summary.
    public static let configuration = CommandConfiguration(commandName: "clear", abstract: "Clear an intent (undone on every router); give the revision `intent list` shows.")
    /// `--registry`, `--timeout`.
    @OptionGroup public var registry: IntentRegistryOptions
    /// The intent's name.
    @Argument(help: ArgumentHelp("The intent's name, as `intent list` shows it.", valueName: "name"))
    public var name: String
    /// `--revision N`.
    @Option(name: .customLong("revision"), help: ArgumentHelp("Its revision, as `intent list` shows it.", valueName: "revision"))
    public var revision: Int64

    /// Creates the command (ArgumentParser fills it in).
    public init() {}

    /// Clears.
    public func run() async throws {
        let outcome: IntentStore.Outcome
        do {
            outcome = try await registry.store.clear(name, revision: revision)
        } catch {
            throw IntentFailure(message: error.description)
        }
        try IntentWriter.report(outcome, done: "cleared \(name)")
    }
}
