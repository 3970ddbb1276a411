import RouterCoreTesting
import FleetClient
import FleetModel
import Foundation
import RouterRuntime
import RouterWire
import Testing
@testable import FleetApp
import NIOCore

/// One fleetrouter process runs an HTTP, a fast and a raw router that list the same node
/// address (statically and under a subscription key). Every edit kind, made on one of them
/// through `NIOFleetControl`, `ctl` (in-process) or the real `fleettop ctl` binary, changes
/// that router's stats and leaves the other two exactly as they were.
@Suite("End to end: an edit reaches exactly the router chosen", .serialized, .timeLimit(.minutes(5)))
struct EditScopeEndToEndTests {
    static let kinds = ["http", "fastrouter", "rawrouter"]
    static let shared = "127.0.0.1:39901"
    static let key = "app.local"

    /// How an edit is sent in one step of the scenario.
    enum Path: String {
        case control = "NIOFleetControl"
        case ctlRunner = "ctl (in-process)"
        case ctlBinary = "fleettop ctl binary"
    }

    @Test("each edit kind on one router changes only that router's stats")
    func everyEditKindStaysOnItsRouter() async throws {
        let directory = try EndToEndDirectory()
        defer { directory.remove() }
        let tokenFile = try directory.write("scope-token-\(UInt64.random(in: 0...UInt64.max))\n", to: "admin.token")
        // The shared node is announced once, so it must outlive the whole scenario however slow
        // the machine (the default 17 s tolerance expired it midway under a sanitizer).
        var arguments: [String] = ["--admin", "127.0.0.1:0", "--admin-token-file", tokenFile, "--subscription-tolerance", "3600"]
        for kind in Self.kinds {
            arguments += ["--\(kind)", "127.0.0.1:0", "--\(kind)-to", Self.shared,
                          "--\(kind)-subscription-server", "127.0.0.1:0", "--\(kind)-stats", "127.0.0.1:0"]
        }
        try await InProcessRouter.with(arguments) { router in
            try await Self.scenario(router, tokenFile: tokenFile)
        }
    }

    private static func scenario(_ router: FleetRouterProcess, tokenFile: String) async throws {
        let control = FleetServices.control(timeout: Self.ctlTimeout)
        var endpoints: [String: RouterEndpoint] = [:]
        // Every router of the process shares this one admin API.
        let admin = try StatsAddress(parsing: try #require(router.boundAddress(.admin)))
        for kind in kinds {
            let stats = try StatsAddress(parsing: try #require(router.boundAddress(.stats, router: kind)))
            endpoints[kind] = RouterEndpoint(name: "scope-\(kind)", stats: stats, admin: admin, tokenFile: tokenFile)
            let server = try #require(router.boundAddress(.subscription, router: kind))
            let sender = try SubscriptionSender(to: SocketAddressSpec(parsing: server))
            try sender.send(try SubscriptionPacket(key: key, address: shared).encoded())
        }
        // Every router lists the shared node under the key (bounded: 20 s).
        for kind in kinds {
            _ = try await poll(control, endpoints[kind]!) { $0.subscriptions?.contains { $0.key == key && $0.nodes.contains { $0.name == shared } } == true }
        }
        let subscribed = NodeRef(key: key, address: shared)
        let steps: [(String, FleetEdit, Path)] = [
            ("fastrouter", .setCheap(.on), .ctlBinary),
            ("http", .drain(subscribed), .control),
            ("rawrouter", .drain(NodeRef(address: shared)), .control),
            ("http", .undrain(subscribed), .ctlRunner),
            ("rawrouter", .setWeight(subscribed, 5), .control),
            ("fastrouter", .setWeight(subscribed, 3), .ctlBinary),
            ("http", .setWeight(subscribed, 2), .ctlRunner),
            ("rawrouter", .clearWeight(subscribed), .control),
            ("fastrouter", .addStatic(address: "127.0.0.1:39902"), .ctlRunner),
            ("rawrouter", .removeStatic(address: shared), .control),
            ("http", .kick(subscribed), .ctlRunner),
            ("fastrouter", .kick(NodeRef(address: shared)), .control),
            ("rawrouter", .setCheap(.off), .ctlBinary),
        ]
        for (target, edit, path) in steps {
            var before: [String: String] = [:]
            for kind in kinds { before[kind] = view(try await poll(control, endpoints[kind]!) { _ in true }) }
            try await send(edit, to: endpoints[target]!, via: path, control: control, tokenFile: tokenFile)
            // The target shows the change (the admin API applies it before answering)…
            let changed = view(try await poll(control, endpoints[target]!) { _ in true })
            #expect(changed != before[target], "\(edit) via \(path.rawValue) did not change \(target)")
            // …and its neighbours are exactly as they were.
            for kind in kinds where kind != target {
                let after = view(try await poll(control, endpoints[kind]!) { _ in true })
                #expect(after == before[kind], "\(edit) on \(target) via \(path.rawValue) changed \(kind):\nbefore \(before[kind] ?? "")\nafter  \(after)")
            }
        }
        // The fleet-wide form (the dashboard's `D`) reaches every router of the process.
        let outcome = try await control.apply(.drain(subscribed), to: endpoints["http"]!, reach: .everyRouterOfProcess)
        #expect(outcome == .applied)
        for kind in ["rawrouter"] {
            let document = try await poll(control, endpoints[kind]!) { _ in true }
            let node = document.subscriptions?.first { $0.key == key }?.nodes.first { $0.name == shared }
            #expect(node?.operatorFields.drain == 1, "the process-wide drain missed \(kind)")
        }
    }

    @Test("a real uWSGI instance running an HTTP and a fast router is edited only on the router chosen", .requiresUwsgi)
    func uwsgiInstanceWithTwoRouters() async throws {
        let uwsgi = try Prerequisites.requireUwsgi()
        let directory = try EndToEndDirectory()
        defer { directory.remove() }
        // Unix sockets throughout: nothing to race for, and uWSGI binds them as given.
        var arguments = ["--plugin", "http,fastrouter", "--master", "--die-on-term", "--strict", "--subscription-tolerance", "17"]
        for (kind, short) in [("http", "http"), ("fastrouter", "fast")] {
            arguments += ["--\(kind)", directory.file("\(short).sock"),
                          "--\(kind)-subscription-server", directory.file("\(short).sub"),
                          "--\(kind)-stats", directory.file("\(short).stats")]
        }
        let instance = try ChildProcess(executable: uwsgi, arguments: arguments, logPath: directory.file("uwsgi.log"))
        let outcome: Result<Void, any Error>
        do {
            try await Self.uwsgiScenario(directory)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await instance.stop()
        try outcome.get()
    }

    private static func uwsgiScenario(_ directory: EndToEndDirectory) async throws {
        let control = FleetServices.control(timeout: Self.ctlTimeout)
        var endpoints: [String: RouterEndpoint] = [:]
        for short in ["http", "fast"] {
            let server = directory.file("\(short).sub")
            endpoints[short] = RouterEndpoint(
                name: "uwsgi-\(short)", stats: .unix(path: directory.file("\(short).stats")), subscriptionServer: .unix(path: server))
            // uWSGI binds the subscription socket as it starts: poll its stats first.
            _ = try await poll(control, endpoints[short]!) { _ in true }
            let sender = try SubscriptionSender(to: SocketAddressSpec(parsing: server))
            try sender.send(try SubscriptionPacket(key: key, address: shared, modifier1: 0, cores: 1, load: 0, weight: 1).encoded())
        }
        for short in ["http", "fast"] {
            _ = try await poll(control, endpoints[short]!) { $0.subscriptions?.contains { $0.nodes.contains { $0.name == shared } } == true }
        }
        let ref = NodeRef(key: key, address: shared)
        func weight(_ short: String) async throws -> UInt64? {
            let document = try await poll(control, endpoints[short]!) { _ in true }
            return document.subscriptions?.first { $0.key == key }?.nodes.first { $0.name == shared }?.weight
        }
        // A weight re-announced to the fast router's subscription server changes the fast router alone.
        let weighted = try await control.apply(.setWeight(ref, 7), to: endpoints["fast"]!)
        #expect(weighted.isApplied, "\(weighted)")
        _ = try await poll(control, endpoints["fast"]!) { $0.subscriptions?.first { $0.key == key }?.nodes.first { $0.name == shared }?.weight == 7 }
        #expect(try await weight("http") == 1)
        // A kick sent to the HTTP router's subscription server removes the node there alone.
        let kicked = try await control.apply(.kick(ref), to: endpoints["http"]!)
        #expect(kicked.isApplied, "\(kicked)")
        _ = try await poll(control, endpoints["http"]!) { $0.subscriptions?.contains { $0.nodes.contains { $0.name == shared } } != true }
        #expect(try await weight("fast") == 7, "the kick on the HTTP router reached the fast router")
    }

    private static func send(_ edit: FleetEdit, to endpoint: RouterEndpoint, via path: Path, control: NIOFleetControl, tokenFile: String) async throws {
        switch path {
        case .control:
            let outcome = try await control.apply(edit, to: endpoint)
            #expect(outcome.isApplied, "\(edit) on \(endpoint.name): \(outcome)")
        case .ctlRunner:
            let configuration = CtlConfiguration(stats: endpoint.stats, admin: endpoint.admin, tokenFile: tokenFile, edit: edit, timeout: Self.ctlTimeout)
            let report = await CtlRunner.report(configuration, control: FleetServices.control(timeout: Self.ctlTimeout))
            #expect(report.applied, "\(report.message)")
        case .ctlBinary:
            let binary = try FleettopBinary.require()
            var arguments = ["ctl", "--stats", endpoint.stats.description, "--token-file", tokenFile, "--timeout", "\(Self.ctlTimeout)"]
            if let admin = endpoint.admin { arguments += ["--admin", admin.description] }
            switch edit {
            case let .setCheap(mode): arguments += ["cheap", mode.rawValue]
            case let .setWeight(node, value): arguments += ["weight", "--node", node.node, "--value", "\(value)"] + (node.key.map { ["--key", $0] } ?? [])
            default: throw EndToEndError("no ctl command line for \(edit) in this test")
            }
            let (status, output) = try await ChildProcess.run(binary.path, arguments)
            #expect(status == 0, "fleettop \(arguments.joined(separator: " ")): \(output)")
        }
    }

    /// Each ctl call's bound in seconds: 3, stretched by a sanitizer's slowdown.
    static let ctlTimeout = 10 * Double(Slowdown.factor)

    /// The parts of a document an edit can change: cheap mode, and every node's operator state,
    /// weight and presence.
    private static func view(_ document: StatsDocument) -> String {
        var parts = ["cheap=\(document.cheap ?? 0)/\(document.cheapMode?.rawValue ?? "-")"]
        for node in document.staticNodes ?? [] {
            parts.append("static \(node.name) \(node.operatorFields)")
        }
        for slot in document.subscriptions ?? [] {
            for node in slot.nodes {
                parts.append("\(slot.key) \(node.name) w=\(node.weight) dm=\(node.deathMark) \(node.operatorFields)")
            }
        }
        return parts.joined(separator: "; ")
    }

    /// Polls until `done` holds (bounded: 400 polls, 20 s).
    private static func poll(_ control: NIOFleetControl, _ endpoint: RouterEndpoint, until done: (StatsDocument) -> Bool) async throws -> StatsDocument {
        var last = "no poll"
        for _ in 0..<400 {
            switch await control.poll(endpoint, timeout: Slowdown.scaled(.seconds(2))) {
            case let .success(document):
                if done(document) { return document }
                last = view(document)
            case let .failure(error):
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw EndToEndError("\(endpoint.name) never reached the expected state; last: \(last)")
    }
}
