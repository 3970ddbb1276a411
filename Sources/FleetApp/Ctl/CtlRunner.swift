import FleetClient
import FleetModel
import Foundation
import RouterWire

/// `fleettop ctl`: read the router's stats (for its admin address, capabilities and the node's
/// key), check the edit is possible, send it, print the outcome.
public enum CtlRunner {
    /// What a `ctl` run produced.
    public struct Report: Sendable, Hashable {
        /// The line for standard output (the outcome) or standard error (why nothing was sent).
        public var message: String
        /// Whether the router applied the edit (exit 0).
        public var applied: Bool
    }

    /// Runs the command; returns the exit code.
    public static func run(_ configuration: CtlConfiguration) async throws -> Int32 {
        let control = FleetServices.control(timeout: configuration.timeout)
        let report = await report(configuration, control: control)
        if report.applied {
            FileHandle.standardOutput.write(Data((report.message + "\n").utf8))
            return 0
        }
        FileHandle.standardError.write(Data(("fleettop: " + report.message + "\n").utf8))
        return 1
    }

    /// Carries out the edit through `control`; the message's control characters (a router's
    /// words are in it) are escaped, its line breaks kept.
    public static func report(_ configuration: CtlConfiguration, control: any FleetControl) async -> Report {
        var report = await unescapedReport(configuration, control: control)
        report.message = TerminalSafeText.escapedLines(report.message)
        return report
    }

    private static func unescapedReport(_ configuration: CtlConfiguration, control: any FleetControl) async -> Report {
        var endpoint = configuration.endpoint
        let polled = await FleetServices.pollOnce([endpoint], control: control, timeout: configuration.timeout)
        let document: StatsDocument
        switch polled[endpoint.id] {
        case let .success(value)?: document = value
        case let .failure(error)?:
            return Report(message: "router \(endpoint.name) (\(endpoint.stats)): cannot read stats: \(error)", applied: false)
        case nil:
            return Report(message: "router \(endpoint.name) (\(endpoint.stats)): no poll result", applied: false)
        }
        if endpoint.admin == nil, let admin = document.admin, let address = try? StatsAddress(parsing: admin) {
            endpoint.admin = address
        }
        let edit: FleetEdit
        switch resolveNode(in: configuration.edit, document: document) {
        case let .success(resolved): edit = resolved
        case let .failure(problem):
            return Report(message: "router \(endpoint.name): \(problem.message)", applied: false)
        }
        let capabilities = RouterCapabilities(document: document, endpoint: endpoint, readOnly: false)
        if case let .unavailable(reason) = capabilities.availability(of: edit) {
            return Report(message: "router \(endpoint.name): \(edit): not possible: \(reason)", applied: false)
        }
        // NIOFleetControl bounds the call by its timeout; the document just read plans the edit.
        (control as? NIOFleetControl)?.remember(document, for: endpoint.id)
        do {
            let outcome = try await control.apply(edit, to: endpoint)
            return Report(message: "\(label(endpoint, document)): \(edit): \(outcome)", applied: outcome.isApplied)
        } catch {
            return Report(message: "\(label(endpoint, document)): \(edit): failed: \(error)", applied: false)
        }
    }

    /// The router as the outcome line names it: its name, and which router of its process the
    /// edit reached (`127.0.0.1:9191 (fastrouter)`).
    static func label(_ endpoint: RouterEndpoint, _ document: StatsDocument) -> String {
        guard RouterFlavor(document: document) == .fleetrouter, let router = document.adminRouter ?? document.kind else {
            return endpoint.name
        }
        return "\(endpoint.name) (\(router))"
    }

    /// A node that could not be matched in the router's stats.
    struct NodeProblem: Error {
        var message: String
    }

    /// Fills in the node's key when `--key` was not given and the node has exactly one place in
    /// the router; checks that a given node exists.
    static func resolveNode(in edit: FleetEdit, document: StatsDocument) -> Result<FleetEdit, NodeProblem> {
        guard let node = edit.node else { return .success(edit) }
        let places = document.nodesByID.map(\.0).filter { $0.name == node.node }
        if let key = node.key {
            guard places.contains(where: { $0.key == key }) else {
                let keys = places.map { $0.key ?? "(static)" }
                return .failure(NodeProblem(message: "no node \(node.node) under key \(key)"
                    + (keys.isEmpty ? "" : "; it is under \(keys.joined(separator: ", "))")))
            }
            return .success(edit)
        }
        guard let first = places.first else {
            return .failure(NodeProblem(message: "no node \(node.node) on this router"))
        }
        guard places.count == 1 else {
            let keys = places.map { $0.key ?? "(static)" }.joined(separator: ", ")
            return .failure(NodeProblem(message: "node \(node.node) serves several keys (\(keys)); give --key"))
        }
        return .success(edit.with(NodeRef(key: first.key, node: node.node)))
    }
}

extension FleetEdit {
    /// The same edit aimed at `node`.
    func with(_ node: NodeRef) -> FleetEdit {
        switch self {
        case .drain: return .drain(node)
        case .undrain: return .undrain(node)
        case .kick: return .kick(node)
        case let .setWeight(_, value): return .setWeight(node, value)
        case .clearWeight: return .clearWeight(node)
        case .setCheap, .drainEverywhere, .addStatic, .removeStatic, .kickSession: return self
        }
    }
}
