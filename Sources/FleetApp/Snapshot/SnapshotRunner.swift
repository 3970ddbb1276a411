import FleetModel
import Foundation
import RouterWire

/// `fleettop snapshot`: poll once, print tables or JSON, report failures on stderr.
public enum SnapshotRunner {
    /// What one snapshot run produced.
    public struct Report: Sendable {
        /// Text for standard output.
        public var output: String
        /// Lines for standard error (one per router that did not answer).
        public var errors: [String]
        /// The exit code: 0 when at least one router answered.
        public var exitCode: Int32
    }

    /// Runs the command: resolves routers, polls, prints; returns the exit code.
    public static func run(_ configuration: SnapshotConfiguration) async throws -> Int32 {
        let resolved = try await configuration.routers.resolveWithRegistry(timeout: FleetServices.duration(seconds: configuration.timeout))
        let control = FleetServices.control(timeout: configuration.timeout)
        let report = await report(
            endpoints: resolved.endpoints, control: control, json: configuration.json,
            timeout: configuration.timeout, clock: SystemFleetClock())
        FileHandle.standardOutput.write(Data(report.output.utf8))
        for line in report.errors { FileHandle.standardError.write(Data("fleettop: \(line)\n".utf8)) }
        return report.exitCode
    }

    /// Polls every router once through `control` and renders the result.
    public static func report(
        endpoints: [RouterEndpoint], control: any FleetControl, json: Bool, timeout: Double, clock: any FleetClock
    ) async -> Report {
        let results = await FleetServices.pollOnce(endpoints, control: control, timeout: timeout)
        let now = clock.now()
        var snapshot = FleetSnapshot(endpoints: endpoints)
        var errors: [String] = []
        for endpoint in endpoints {
            guard let result = results[endpoint.id] else { continue }
            snapshot.record(result, for: endpoint.id, at: now)
            if case let .failure(error) = result {
                errors.append(TerminalSafeText.escaped("router \(endpoint.name) (\(endpoint.stats)): \(error)"))
            }
        }
        let answered = snapshot.entries.contains { $0.latest != nil }
        let output = json ? SnapshotJSONRenderer.render(snapshot) : SnapshotTextRenderer.render(snapshot, at: now)
        if !answered { errors.append("no router answered") }
        return Report(output: output, errors: errors, exitCode: answered ? 0 : 1)
    }
}
