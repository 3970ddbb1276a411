import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import RouterCore
import RouterWire

/// The admin API of a fleetrouter process, over all its routers: parses `AdminRequest`s,
/// applies edits through RouterCore and saves every router's operator state to the state file.
///
/// Which routers an edit reaches: `?router=NAME` (`http`, `fastrouter`, `rawrouter`) picks
/// one. Otherwise drain, undrain and weight go to every router that has the node now, or, when
/// none has it, to every router (operator state outlives the node, so a drain set before a
/// node subscribes holds when it does); kick and static-node removal go to the routers that
/// have the node (404 when none does); cheap goes to every router; a static node is added to
/// the first router. `GET /v1/state` answers the first (or the chosen) router's document.
public final class FleetAdminHandler: AdminHandler {
    /// The routers, in configuration order.
    public let engines: [RouterEngine]
    private let stateFile: StateFile<[String: OperatorState]>?
    private let logger: Logger
    /// Serialises saves so the file always ends with the latest state.
    private let saveLock = NIOLock()
    /// Serialises edit + save (+ rollback), so a rollback never undoes another edit.
    private let editLock = NIOLock()
    /// The admin listener's connection cap, for `/metrics` (set once the server is bound).
    let adminLimit = NIOLockedValueBox<ConnectionLimit?>(nil)

    /// Creates the handler; `stateFile` nil means edits are not persisted.
    public init(engines: [RouterEngine], stateFile: StateFile<[String: OperatorState]>?, logger: Logger) {
        self.engines = engines
        self.stateFile = stateFile
        self.logger = logger
    }

    static let knownPaths: Set<String> = ["/v1/state", "/metrics", "/v1/nodes/drain", "/v1/nodes/undrain", "/v1/nodes/weight", "/v1/nodes/kick", "/v1/cheap", "/v1/static"]

    /// Answers one admin call.
    public func handle(_ call: AdminCall) async -> AdminReply {
        guard Self.knownPaths.contains(call.path) else {
            return reply(.notFound, AdminResponse(ok: false, operation: "unknown", message: "unknown path '\(call.path)'; expected one of \(Self.knownPaths.sorted().joined(separator: ", "))"))
        }
        let request: AdminRequest
        do {
            request = try AdminRequest(method: call.method.rawValue, path: call.path, body: Array(call.body.readableBytesView))
        } catch {
            let message: String
            if case .malformedAdmin(let reason) = error { message = reason } else { message = error.description }
            let status: HTTPResponseStatus = message.hasPrefix("method ") ? .methodNotAllowed : .badRequest
            return reply(status, AdminResponse(ok: false, operation: "invalid", message: message))
        }
        let chosen: [RouterEngine]
        switch selectEngines(query: call.query) {
        case .success(let engines): chosen = engines
        case .failure(let refusal): return reply(.notFound, AdminResponse(ok: false, operation: request.operation, message: refusal.message))
        }
        switch request {
        case .state:
            return await state(of: chosen[0])
        case .metrics:
            return await metrics(of: chosen)
        default:
            let narrowed = call.query.flatMap(Self.routerName(inQuery:)) != nil
            return editLock.withLock { apply(request, to: chosen, narrowed: narrowed) }
        }
    }

    /// The routers a call addresses: the one `?router=` names, else all.
    private func selectEngines(query: String?) -> Result<[RouterEngine], Refusal> {
        guard !engines.isEmpty else { return .failure(Refusal(message: "this process runs no router")) }
        guard let name = query.flatMap(Self.routerName(inQuery:)) else { return .success(engines) }
        let matching = engines.filter { $0.name == name }
        guard !matching.isEmpty else {
            return .failure(Refusal(message: "no router '\(name)' here; this process runs \(engines.map(\.name).joined(separator: ", "))"))
        }
        return .success(matching)
    }

    /// The value of `router=` in a query string, if present.
    static func routerName(inQuery query: String) -> String? {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, parts[0] == "router" { return String(parts[1]) }
        }
        return nil
    }

    private struct Refusal: Error {
        var message: String
    }

    private func state(of engine: RouterEngine) async -> AdminReply {
        do {
            let document = try await engine.statsDocument()
            return AdminReply(status: .ok, body: ByteBuffer(bytes: document.encodeJSON(style: .compact)))
        } catch {
            return reply(.internalServerError, AdminResponse(ok: false, operation: "state", message: "could not read the sessions: \(error)"))
        }
    }

    private func metrics(of engines: [RouterEngine]) async -> AdminReply {
        var text = PrometheusText()
        await FleetMetrics.write(engines, admin: adminLimit.withLockedValue { $0 }, to: &text)
        return AdminReply(status: .ok, body: ByteBuffer(string: text.output), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    /// Applies an edit to the addressed routers, saves the state file and answers.
    private func apply(_ request: AdminRequest, to candidates: [RouterEngine], narrowed: Bool) -> AdminReply {
        let operation = request.operation
        let before = engines.map(\.operators)
        let outcome: Result<String, EditFailure>
        switch request {
        case .drain(let ref), .undrain(let ref):
            let drain: Bool
            if case .drain = request { drain = true } else { drain = false }
            let target = OperatorTarget(ref)
            let reached = Self.holders(of: target, among: candidates)
            outcome = run(on: reached.engines) { state throws(RouterCoreError) in state.setDrain(drain, for: target) }
                .map { "\(target) \(drain ? "drained" : "undrained") on \(Self.names(reached.engines))\(reached.present ? "" : " (not present now; applies when it appears)")" }
        case .setWeight(let ref, let weight):
            let target = OperatorTarget(ref)
            let reached = Self.holders(of: target, among: candidates)
            outcome = run(on: reached.engines) { state throws(RouterCoreError) in try state.setWeight(weight, for: target) }
                .map { "\(target) weight \(weight.map(String.init) ?? "cleared") on \(Self.names(reached.engines))\(reached.present ? "" : " (not present now; applies when it appears)")" }
        case .kick(let ref):
            let target = OperatorTarget(ref)
            let reached = candidates.filter { $0.knows(target) }
            outcome = reached.isEmpty
                ? .failure(EditFailure(status: .notFound, message: "no router has node \(target)"))
                : run(on: reached) { state throws(RouterCoreError) in try state.kick(target) }.map { "\(target) kicked on \(Self.names(reached))" }
        case .setCheap(let mode):
            outcome = run(on: candidates) { state throws(RouterCoreError) in state.setCheapMode(mode) }
                .map { "cheap mode \(mode.rawValue) on \(Self.names(candidates))" }
        case .addStatic(let address):
            let engine = candidates[0]
            outcome = run(on: [engine]) { state throws(RouterCoreError) in
                try state.addStaticNode(address)
                return []
            }.map { "static node \(address) added to \(engine.name)\(narrowed || self.engines.count == 1 ? "" : " (name another router with ?router=)")" }
        case .removeStatic(let address):
            let reached = candidates.filter { $0.hasStaticNode(address) }
            outcome = reached.isEmpty
                ? .failure(EditFailure(status: .notFound, message: "no router has static node \(address)"))
                : run(on: reached) { state throws(RouterCoreError) in
                    try state.removeStaticNode(address)
                    return []
                }.map { "static node \(address) removed from \(Self.names(reached))" }
        case .state, .metrics:
            outcome = .failure(EditFailure(status: .badRequest, message: "\(operation) is not an edit"))
        }
        switch outcome {
        case .failure(let failure):
            return reply(failure.status, AdminResponse(ok: false, operation: operation, message: failure.message))
        case .success(let message):
            if let failure = save() {
                // Memory must not hold what the disk does not: undo the edit's operator state.
                for (engine, old) in zip(engines, before) where engine.operators != old { engine.replaceOperators(old) }
                return reply(.internalServerError, AdminResponse(ok: false, operation: operation, message: "edit rolled back (\(message) was not kept): \(failure)"))
            }
            return reply(.ok, AdminResponse(ok: true, operation: operation, message: message))
        }
    }

    /// The routers a drain or weight edit reaches, and whether any of them has the node now.
    private static func holders(of target: OperatorTarget, among candidates: [RouterEngine]) -> (engines: [RouterEngine], present: Bool) {
        let present = candidates.filter { $0.knows(target) }
        return present.isEmpty ? (candidates, false) : (present, true)
    }

    private static func names(_ engines: [RouterEngine]) -> String {
        engines.map(\.name).joined(separator: ", ")
    }

    private struct EditFailure: Error {
        var status: HTTPResponseStatus
        var message: String
    }

    /// Runs the edit on each router; stops at the first refusal (a typed RouterCore error is a
    /// bad request, except an unknown or duplicate node).
    private func run(on engines: [RouterEngine], _ body: (inout RouterState) throws(RouterCoreError) -> [RouterEvent]) -> Result<Void, EditFailure> {
        for engine in engines {
            do {
                try engine.editWithEvents(body)
            } catch {
                let status: HTTPResponseStatus
                switch error {
                case .unknownNode: status = .notFound
                case .duplicateStaticNode: status = .conflict
                default: status = .badRequest
                }
                return .failure(EditFailure(status: status, message: "\(engine.name): \(error.description)"))
            }
        }
        return .success(())
    }

    /// Writes every router's operator state; the error text when that failed.
    func save() -> String? {
        guard let stateFile else { return nil }
        return saveLock.withLock {
            var all: [String: OperatorState] = [:]
            for engine in engines { all[engine.name] = engine.operators }
            do {
                try stateFile.save(all)
                return nil
            } catch {
                logger.error("state file not written", metadata: ["path": "\(stateFile.path)", "error": "\(error)"])
                return "\(error)"
            }
        }
    }

    private func reply(_ status: HTTPResponseStatus, _ response: AdminResponse) -> AdminReply {
        AdminReply(status: status, body: ByteBuffer(bytes: response.encodeJSON()), summary: response.message)
    }

    /// The JSON of the errors the admin server produces itself, as an `AdminResponse`.
    public func errorBody(status: HTTPResponseStatus, message: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        ByteBuffer(bytes: AdminResponse(ok: false, operation: "refused", message: message).encodeJSON())
    }
}

extension OperatorTarget {
    /// The operator target an admin `NodeRef` names.
    init(_ ref: NodeRef) {
        self.init(key: ref.key, address: ref.node)
    }
}
