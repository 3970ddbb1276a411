import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import RouterCore
import RouterWire

/// The admin API of a fleetrouter process, over all its routers: parses `AdminRequest`s,
/// applies edits through RouterCore and saves every router's operator state to the state file.
///
/// Which routers an edit reaches is the request's `AdminScope`: `?router=NAME` (the
/// `admin_router` of the router's stats: `http`, `fastrouter`, `rawrouter`) picks one;
/// `?router=*` picks every router of the process. In a process with more than one router an
/// edit that names none is refused (400, listing the names), so an edit planned from one
/// router's stats can never change its neighbours. Within the chosen routers, drain, undrain
/// and weight go to those that have the node now, or, when none has it, to all of them
/// (operator state outlives the node, so a drain set before a node subscribes holds when it
/// does); kick and static-node removal go to those that have the node (404 when none does);
/// cheap goes to all of them; a static node is added to exactly one router.
/// `GET /v1/state` answers one router's document (the first when the process has one router
/// or none is named); `GET /metrics` covers the chosen routers. `GET /v1/watch?router=NAME
/// &interval=MS` streams one router's stats document (the bytes its stats server serves), one
/// line per interval, an unchanged document as an empty line: fleettop watches a fleetrouter
/// over one long-lived connection instead of polling its stats server.
public final class FleetAdminHandler: AdminHandler {
    /// The routers, in configuration order.
    public let engines: [RouterEngine]
    /// The process's key → nodes caches (`--cache2`), listed and edited at `/v1/cache`.
    public let caches: [RouteCacheStore]
    private let writer: StateWriter
    private let logger: Logger
    /// Serialises edit + save (+ rollback), so a rollback never undoes another edit.
    private let editLock = NIOLock()
    /// The admin listener's connection cap, for `/metrics` (set once the server is bound).
    let adminLimit = NIOLockedValueBox<ConnectionLimit?>(nil)
    /// The routers' metrics on swift-metrics, rendered at `/metrics`.
    public let metrics: FleetMetricsExporter

    /// Creates the handler; `stateFile` nil means edits are not persisted.
    public convenience init(
        engines: [RouterEngine], caches: [RouteCacheStore] = [], stateFile: StateFile<PersistedState>?,
        metrics: FleetMetricsExporter = FleetMetricsExporter(), logger: Logger
    ) {
        self.init(writer: StateWriter(stateFile: stateFile, engines: engines, caches: caches, logger: logger), metrics: metrics, logger: logger)
    }

    /// Creates the handler around the process's one state-file writer.
    init(writer: StateWriter, metrics: FleetMetricsExporter = FleetMetricsExporter(), logger: Logger) {
        self.engines = writer.engines
        self.caches = writer.caches
        self.writer = writer
        self.metrics = metrics
        self.logger = logger
    }

    static let knownPaths: Set<String> = ["/v1/state", "/metrics", "/v1/nodes/drain", "/v1/nodes/undrain", "/v1/nodes/weight", "/v1/nodes/kick", "/v1/cheap", "/v1/static", "/v1/sessions/kick", "/v1/watch", "/v1/tls/reload", "/v1/cache"]

    /// Answers one admin call.
    public func handle(_ call: AdminCall) async -> AdminReply {
        guard Self.knownPaths.contains(call.path) else {
            return reply(.notFound, AdminResponse(ok: false, operation: "unknown", message: "unknown path '\(call.path)'; expected one of \(Self.knownPaths.sorted().joined(separator: ", "))"))
        }
        if call.path == "/v1/watch" { return watch(call) }
        let request: AdminRequest
        let scope: AdminScope?
        do {
            request = try AdminRequest(method: call.method.rawValue, path: call.path, body: Array(call.body.readableBytesView))
            scope = try AdminScope(query: call.query)
        } catch {
            let message: String
            if case .malformedAdmin(let reason) = error { message = reason } else { message = error.description }
            let status: HTTPResponseStatus = message.hasPrefix("method ") ? .methodNotAllowed : .badRequest
            return reply(status, AdminResponse(ok: false, operation: "invalid", message: message))
        }
        switch request {
        case .listCache, .setCacheItem, .deleteCacheItem:
            // Caches belong to the process, not to one router: no scope applies.
            return editLock.withLock { cacheCall(request) }
        default:
            break
        }
        let chosen: [RouterEngine]
        switch selectEngines(scope, for: request) {
        case .success(let engines): chosen = engines
        case .failure(let refusal): return reply(refusal.status, AdminResponse(ok: false, operation: request.operation, message: refusal.message))
        }
        switch request {
        case .state:
            return await state(of: chosen[0])
        case .metrics:
            return await metricsReply(of: chosen)
        case .reloadTLS:
            return reloadTLS(chosen)
        default:
            return editLock.withLock { apply(request, to: chosen, scope: scope) }
        }
    }

    /// The routers a call addresses, or why it cannot be answered: an unknown name is 404; an
    /// edit without a scope in a process with several routers, a process-wide state read and a
    /// process-wide static-node add are 400.
    private func selectEngines(_ scope: AdminScope?, for request: AdminRequest) -> Result<[RouterEngine], Refusal> {
        guard !engines.isEmpty else { return .failure(Refusal(status: .notFound, message: "this process runs no router")) }
        switch scope {
        case nil:
            // A reload is process-wide, as SIGHUP is.
            if request.isEdit, request != .reloadTLS, engines.count > 1 {
                return .failure(Refusal(status: .badRequest, message:
                    "this process runs \(engines.count) routers (\(Self.names(engines))); name the one to edit with ?router=NAME, or all of them with ?router=*"))
            }
            return .success(request == .state ? [engines[0]] : engines)
        case .everyRouter:
            if request == .state {
                return .failure(Refusal(status: .badRequest, message: "state is read from one router; name it with ?router=NAME (\(Self.names(engines)))"))
            }
            if case .addStatic = request, engines.count > 1 {
                return .failure(Refusal(status: .badRequest, message: "a static node is added to one router; name it with ?router=NAME (\(Self.names(engines)))"))
            }
            return .success(engines)
        case .router(let name):
            let matching = engines.filter { $0.name == name }
            guard !matching.isEmpty else {
                return .failure(Refusal(status: .notFound, message: "no router '\(name)' here; this process runs \(Self.names(engines))"))
            }
            return .success(matching)
        }
    }

    /// `GET /v1/watch`: one router's stats document every interval (see the type's summary).
    private func watch(_ call: AdminCall) -> AdminReply {
        func refuse(_ status: HTTPResponseStatus, _ message: String) -> AdminReply {
            reply(status, AdminResponse(ok: false, operation: "watch", message: message))
        }
        guard !call.isEdit else { return refuse(.methodNotAllowed, "method \(call.method.rawValue) is not supported for /v1/watch; use GET") }
        let engine: RouterEngine
        let query: WatchQuery
        do {
            query = try WatchQuery(query: call.query)
            switch try AdminScope(query: call.query) {
            case .router(let name):
                guard let named = engines.first(where: { $0.name == name }) else {
                    return refuse(.notFound, "no router '\(name)' here; this process runs \(Self.names(engines))")
                }
                engine = named
            case .everyRouter:
                return refuse(.badRequest, "a watch streams one router's stats; name it with ?router=NAME (\(Self.names(engines)))")
            case nil:
                guard engines.count == 1, let only = engines.first else {
                    return refuse(engines.isEmpty ? .notFound : .badRequest,
                                  engines.isEmpty ? "this process runs no router" : "this process runs \(engines.count) routers (\(Self.names(engines))); name the one to watch with ?router=NAME")
                }
                engine = only
            }
        } catch let error as WatchQueryError {
            return refuse(.badRequest, error.message)
        } catch {
            if case .malformedAdmin(let reason)? = error as? WireError { return refuse(.badRequest, reason) }
            return refuse(.badRequest, "\(error)")
        }
        var answer = AdminReply(status: .ok, body: ByteBuffer(), contentType: "application/x-ndjson")
        answer.stream = AdminStream(interval: query.interval, deltas: query.deltas) {
            try await engine.statsDocument()
        }
        return answer
    }

    private struct Refusal: Error {
        var status: HTTPResponseStatus
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

    /// `GET /metrics`: every router's metrics folded and rendered by the exporter's registry;
    /// `?router=NAME` keeps the series of that router (and the families they belong to).
    private func metricsReply(of chosen: [RouterEngine]) async -> AdminReply {
        let rendered = await metrics.render(engines, admin: adminLimit.withLockedValue { $0 })
        let names = Set(chosen.map(\.name))
        let body = names.count == engines.count ? rendered : Self.series(of: names, in: rendered)
        return AdminReply(status: .ok, body: ByteBuffer(bytes: body), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    /// The lines of Prometheus text `rendered` that belong to the routers `names`: their
    /// samples (label `router`), and the `# TYPE` / `# HELP` lines of families that keep one.
    static func series(of names: Set<String>, in rendered: [UInt8]) -> [UInt8] {
        // Every fleetrouter series names its router first.
        let labels = names.map { Array("{router=\"\($0)\"".utf8) }
        var out: [UInt8] = []
        var comments: [ArraySlice<UInt8>] = []
        var inComments = false
        for line in rendered.split(separator: UInt8(ascii: "\n")) {
            if line.first == UInt8(ascii: "#") {
                // A comment after a sample starts the next family: the last one's go.
                if !inComments { comments = [] }
                inComments = true
                comments.append(line)
                continue
            }
            inComments = false
            guard labels.contains(where: { line.firstRange(of: $0) != nil }) else { continue }
            for comment in comments {
                out += comment
                out.append(UInt8(ascii: "\n"))
            }
            comments = []
            out += line
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// Reloads the TLS certificates of the addressed routers that have TLS listeners: 200 when
    /// every file loaded, else 500 with each bad file named (those keep their old context).
    private func reloadTLS(_ chosen: [RouterEngine]) -> AdminReply {
        let reached = chosen.compactMap { engine in (engine.kindAttachment as? TLSRouterSupport).map { (engine, $0) } }
        guard !reached.isEmpty else {
            return reply(.notFound, AdminResponse(ok: false, operation: "tls.reload", message: "no TLS listener on \(Self.names(chosen))"))
        }
        var errors: [String] = []
        for (engine, tls) in reached {
            errors += tls.reload(trigger: "admin").map { "\(engine.name): \($0)" }
        }
        let names = Self.names(reached.map(\.0))
        guard errors.isEmpty else {
            return reply(.internalServerError, AdminResponse(
                ok: false, operation: "tls.reload", message: "old certificates kept where files are bad: \(errors.joined(separator: "; "))"))
        }
        return reply(.ok, AdminResponse(ok: true, operation: "tls.reload", message: "TLS certificates reloaded on \(names)"))
    }

    /// Applies an edit to the addressed routers, saves the state file and answers.
    private func apply(_ request: AdminRequest, to candidates: [RouterEngine], scope: AdminScope?) -> AdminReply {
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
                .map { "\(target) \(drain ? "drained" : "undrained") on \(self.reach(reached.engines, scope))\(reached.present ? "" : " (not present now; applies when it appears)")" }
        case .setWeight(let ref, let weight):
            let target = OperatorTarget(ref)
            let reached = Self.holders(of: target, among: candidates)
            outcome = run(on: reached.engines) { state throws(RouterCoreError) in try state.setWeight(weight, for: target) }
                .map { "\(target) weight \(weight.map(String.init) ?? "cleared") on \(self.reach(reached.engines, scope))\(reached.present ? "" : " (not present now; applies when it appears)")" }
        case .kick(let ref):
            let target = OperatorTarget(ref)
            let reached = candidates.filter { $0.knows(target) }
            outcome = reached.isEmpty
                ? .failure(EditFailure(status: .notFound, message: "no node \(target) on \(Self.names(candidates))"))
                : run(on: reached) { state throws(RouterCoreError) in try state.kick(target) }.map { "\(target) kicked on \(self.reach(reached, scope))" }
        case .setCheap(let mode):
            outcome = run(on: candidates) { state throws(RouterCoreError) in state.setCheapMode(mode) }
                .map { "cheap \(mode.rawValue) for \(self.reach(candidates, scope))" }
        case .addStatic(let address):
            let engine = candidates[0]
            outcome = run(on: [engine]) { state throws(RouterCoreError) in
                try state.addStaticNode(address)
                return []
            }.map { "static node \(address) added to \(self.reach([engine], scope))" }
        case .removeStatic(let address):
            let reached = candidates.filter { $0.hasStaticNode(address) }
            outcome = reached.isEmpty
                ? .failure(EditFailure(status: .notFound, message: "no static node \(address) on \(Self.names(candidates))"))
                : run(on: reached) { state throws(RouterCoreError) in
                    try state.removeStaticNode(address)
                    return []
                }.map { "static node \(address) removed from \(self.reach(reached, scope))" }
        case .kickSession(let pid):
            let reached = candidates.filter { $0.kindAttachment?.kickSession(pid: pid) == true }
            outcome = reached.isEmpty
                ? .failure(EditFailure(status: .notFound, message: "no session with pid \(pid) on \(Self.names(candidates))"))
                : .success("session \(pid) kicked on \(self.reach(reached, scope))")
        case .state, .metrics, .reloadTLS, .listCache, .setCacheItem, .deleteCacheItem:
            outcome = .failure(EditFailure(status: .badRequest, message: "\(operation) is not an operator-state edit"))
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

    /// Lists, sets or deletes a cache item; an edit is saved to the state file (and undone
    /// when that fails).
    private func cacheCall(_ request: AdminRequest) -> AdminReply {
        let operation = request.operation
        if case .listCache = request {
            let listing = CacheListing(caches: caches.map { cache in
                CacheListing.Cache(name: cache.name, capacity: UInt64(cache.capacity), items: cache.entries.map {
                    CacheListing.Item(key: $0.key, value: $0.value, expires: $0.expires, hits: $0.hits ?? 0)
                })
            })
            return AdminReply(status: .ok, body: ByteBuffer(bytes: listing.encodeJSON()))
        }
        let name: String?
        switch request {
        case .setCacheItem(let cache, _, _, _), .deleteCacheItem(let cache, _): name = cache
        default: name = nil
        }
        guard let cache = name.map({ name in caches.first { $0.name == name } }) ?? caches.first else {
            let known = caches.isEmpty ? "this process has no cache (--cache2)" : "caches: \(caches.map(\.name).joined(separator: ", "))"
            return reply(.notFound, AdminResponse(ok: false, operation: operation, message: "no cache '\(name ?? "")'; \(known)"))
        }
        let before = cache.entries.first { entry in
            switch request {
            case .setCacheItem(_, let key, _, _), .deleteCacheItem(_, let key): return entry.key == key
            default: return false
            }
        }
        let message: String
        switch request {
        case .setCacheItem(_, let key, let value, let expires):
            do {
                try cache.set(RouteCacheStore.Entry(key: key, value: value, expires: expires))
            } catch {
                let status: HTTPResponseStatus = if case .cacheFull = error { .conflict } else { .badRequest }
                return reply(status, AdminResponse(ok: false, operation: operation, message: "\(cache.name): \(error.description)"))
            }
            message = "cache \(cache.name): \(key) = \(value)"
        case .deleteCacheItem(_, let key):
            guard cache.delete(key: Array(key.utf8)) else {
                return reply(.notFound, AdminResponse(ok: false, operation: operation, message: "cache \(cache.name) has no key '\(key)'"))
            }
            message = "cache \(cache.name): \(key) deleted"
        default:
            return reply(.badRequest, AdminResponse(ok: false, operation: operation, message: "\(operation) is not a cache call"))
        }
        if let failure = save() {
            // Memory must not hold what the disk does not.
            if let before { try? cache.set(before) } else if case .setCacheItem(_, let key, _, _) = request { cache.delete(key: Array(key.utf8)) }
            return reply(.internalServerError, AdminResponse(ok: false, operation: operation, message: "edit rolled back (\(message) was not kept): \(failure)"))
        }
        return reply(.ok, AdminResponse(ok: true, operation: operation, message: message))
    }

    /// The routers a drain or weight edit reaches, and whether any of them has the node now.
    private static func holders(of target: OperatorTarget, among candidates: [RouterEngine]) -> (engines: [RouterEngine], present: Bool) {
        let present = candidates.filter { $0.knows(target) }
        return present.isEmpty ? (candidates, false) : (present, true)
    }

    private static func names(_ engines: [RouterEngine]) -> String {
        engines.map(\.name).joined(separator: ", ")
    }

    /// The routers an edit changed, as the reply and the admin log line say it: `fastrouter
    /// only` when one router of several was named, `(every router of this process)` for `*`.
    private func reach(_ reached: [RouterEngine], _ scope: AdminScope?) -> String {
        let names = Self.names(reached)
        guard engines.count > 1 else { return names }
        switch scope {
        case .everyRouter?: return "\(names) (?router=*: every router of this process)"
        case .router?, nil: return reached.count == 1 ? "\(names) only" : names
        }
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

    /// Writes every router's operator state and every cache; the error text when that failed.
    func save() -> String? {
        writer.save()
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
