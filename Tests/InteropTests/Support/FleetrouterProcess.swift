import DataPlaneTesting
import Foundation

/// A `fleetrouter` process started for one test, with the sockets it reported binding.
final class FleetrouterProcess: Sendable {
    /// The process.
    let process: ManagedProcess
    /// Every socket from its startup lines, in order.
    let bindings: [FleetrouterBinding]
    /// The arguments it was started with.
    let arguments: [String]

    private init(process: ManagedProcess, bindings: [FleetrouterBinding], arguments: [String]) {
        self.process = process
        self.bindings = bindings
        self.arguments = arguments
    }

    /// Starts `fleetrouter ARGUMENTS` in `directory`, on the transport under test, and waits
    /// for `fleetrouter: ready`. With `launcher`, that program starts with its arguments, the
    /// binary's path and `arguments`, and is expected to exec fleetrouter (to pass it sockets).
    static func start(
        _ arguments: [String], in directory: TemporaryDirectory, name: String = "fleetrouter",
        timeout: Duration = .seconds(20), launcher: (executable: URL, arguments: [String])? = nil
    ) async throws -> FleetrouterProcess {
        let binary = try FleetrouterBinary.require()
        let process = try await ManagedProcess.launch(
            name: name, executable: launcher?.executable ?? binary,
            arguments: launcher.map { $0.arguments + [binary.path] + arguments } ?? arguments, directory: directory.url,
            environment: ["FLEETROUTER_DATA_PLANE": TransportUnderTest.current]
        )
        let ready = try await process.waitForLine("the line 'fleetrouter: ready'", timeout: timeout) { line in
            (try? FleetrouterLogLine.parse(line)) == .ready
        }
        var bindings: [FleetrouterBinding] = []
        for line in process.lines.prefix(ready.index) {
            if case .bound(let binding)? = try FleetrouterLogLine.parse(line) { bindings.append(binding) }
        }
        return FleetrouterProcess(process: process, bindings: bindings, arguments: arguments)
    }

    /// The bound address for `role` of `router` (the first, when several were configured).
    func endpoint(_ role: FleetrouterBinding.Role, of router: String? = nil) throws -> Endpoint {
        guard let binding = bindings.first(where: { $0.role == role && $0.router == router }) else {
            let reported = bindings.map { "\($0.router ?? "-") \($0.role.rawValue) \($0.actual)" }.joined(separator: "; ")
            throw InteropError("fleetrouter reported no \(router ?? "") \(role.rawValue) socket (it reported: \(reported))\n\(process.logTail)")
        }
        return binding.actual
    }

    /// SIGTERM (or `signal`), then waits for the graceful exit; returns how it ended.
    func stop(with signal: Int32 = SIGTERM, grace: Duration = .seconds(10)) async -> ExitStatus? {
        await process.stop(with: signal, grace: grace)
    }
}
