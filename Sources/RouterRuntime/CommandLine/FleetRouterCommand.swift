import Foundation
import Logging
import Prometheus
import RouterConfig

/// The `fleetrouter` command line: uWSGI router options in, a running process out.
///
/// uWSGI's options (and `--ini` / `--yaml` files of them) go unchanged to
/// `RouterConfiguration.parse`; only `--help`/`-h` and `--version` are taken here. The
/// argument handling is `interpret(arguments:fileReader:)`, a pure function, so it is tested
/// without starting anything; `main(arguments:)` carries the outcome out.
public enum FleetRouterCommand {
    /// What the command line asks for.
    public enum Outcome: Sendable, Equatable {
        /// Start the routers; `messages` are notice lines for standard error.
        case run(RouterConfiguration, messages: [String])
        /// Print `output` to standard output and `error` to standard error, then exit.
        case exit(status: Int32, output: String, error: String)
    }

    /// The exit status for a configuration the command line cannot run.
    public static let usageStatus: Int32 = 2
    /// The exit status for a failure to start (a port in use, an unreadable file).
    public static let startupStatus: Int32 = 1

    /// Turns argv (without the program name) into what to do. Never throws: a bad option
    /// becomes `fleetrouter: error: …` and exit status 2.
    public static func interpret(arguments: [String], fileReader: @escaping (String) throws -> String) -> Outcome {
        if arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
            return .exit(status: 0, output: RouterConfiguration.helpText(), error: "")
        }
        if arguments.contains("--version") {
            return .exit(status: 0, output: "fleetrouter \(FleetRouterVersion.current)\n", error: "")
        }
        guard !arguments.isEmpty else {
            return usage("no options given: expected uWSGI router options such as --http :8080 --http-to 127.0.0.1:3031 (see fleetrouter --help)")
        }
        let configuration: RouterConfiguration
        let notices: [String]
        do {
            (configuration, notices) = try RouterConfiguration.parse(arguments: arguments, fileReader: fileReader)
        } catch {
            return usage(error.description)
        }
        do {
            try FleetRouterProcess.checkSupported(configuration)
        } catch {
            return usage(error.description, notices: notices)
        }
        let ignored = UnappliedOptions(configuration).ignored.map { "ignored: \($0)" }
        return .run(configuration, messages: (notices + ignored).map { "fleetrouter: notice: \($0)" })
    }

    private static func usage(_ message: String, notices: [String] = []) -> Outcome {
        let lines = notices.map { "fleetrouter: notice: \($0)\n" }.joined()
        return .exit(status: usageStatus, output: "", error: lines + "fleetrouter: error: \(message)\n")
    }

    /// `fleetrouter pty-attach …`: the forkpty router's client (`Drivers/ForkptyRouter/`).
    private static func ptyAttach(_ arguments: [String]) -> Int32 {
        if arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
            FileHandle.standardOutput.write(Data(PtyAttachOptions.help.utf8))
            return 0
        }
        do {
            return PtyAttachClient.run(try PtyAttachOptions.parse(arguments))
        } catch {
            FleetRouterProcess.writeToStandardError("fleetrouter: pty-attach: \(error)")
            return usageStatus
        }
    }

    /// Reads a configuration file for `--ini` / `--yaml`.
    public static func readFile(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    /// Runs the command: interprets `arguments`, starts the routers, serves until SIGTERM or
    /// SIGINT, and returns the exit status (0 after a graceful stop). With `bootstrapMetrics`
    /// (the executable) `MetricsSystem` is bootstrapped with a `PrometheusMetricsFactory` over
    /// the registry `/metrics` serves, unless the process bootstrapped another factory first.
    public static func main(arguments: [String], logger: Logger = Logger(label: "fleetrouter"), bootstrapMetrics: Bool = false) async -> Int32 {
        if arguments.first == "pty-attach" { return ptyAttach(Array(arguments.dropFirst())) }
        switch interpret(arguments: arguments, fileReader: readFile) {
        case .exit(let status, let output, let error):
            if !output.isEmpty { FileHandle.standardOutput.write(Data(output.utf8)) }
            if !error.isEmpty { FileHandle.standardError.write(Data(error.utf8)) }
            return status
        case .run(let configuration, let messages):
            for message in messages { FleetRouterProcess.writeToStandardError(message) }
            let process: FleetRouterProcess
            do {
                let registry = PrometheusCollectorRegistry()
                if bootstrapMetrics { FleetMetricsExporter.bootstrapProcess(registry: registry) }
                process = try await FleetRouterProcess.start(
                    configuration: configuration, logger: logger, metrics: FleetMetricsExporter(registry: registry))
            } catch {
                FleetRouterProcess.writeToStandardError("fleetrouter: error: \(error)")
                return error is FleetRouterError ? usageStatus : startupStatus
            }
            do {
                try await process.run()
            } catch {
                FleetRouterProcess.writeToStandardError("fleetrouter: error: \(error)")
                return startupStatus
            }
            return 0
        }
    }
}
