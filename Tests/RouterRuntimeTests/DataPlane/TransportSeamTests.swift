import Logging
import NIOCore
import RouterConfig
import RouterCore
import RouterWire
import Synchronization
import Testing
@testable import RouterRuntime

/// The data-plane seam without NIO's loops: a transport, its workers and its listeners as a
/// second transport would provide them, driven by the process binder and the engine.
@Suite("Data-plane transport seam")
struct TransportSeamTests {
    /// A worker that runs everything inline on the caller (a test has one thread of control).
    struct InlineWorker: DataPlaneWorker {
        var isCurrent: Bool { true }
        func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws -> T { body() }
        func execute(_ task: @escaping @Sendable () -> Void) -> Bool {
            task()
            return true
        }
    }

    /// A listener that only records what the engine asks of it.
    final class RecordingListener: ListenerControl {
        let name: String
        let limit: ConnectionLimit
        let accepting: Mutex<[Bool]>
        let stoppedWithin = Mutex<TimeAmount?>(nil)

        init(name: String, accepting: Bool, limit: ConnectionLimit) {
            self.name = name
            self.limit = limit
            self.accepting = Mutex([accepting])
        }

        var openConnections: Int { 0 }
        var localAddress: SocketAddress? { nil }
        func setAccepting(_ accepting: Bool) { self.accepting.withLock { $0.append(accepting) } }
        func stop(grace: TimeAmount) async { stoppedWithin.withLock { $0 = grace } }
    }

    /// A transport that binds nothing: it records each listener and the machine it would run.
    final class RecordingTransport: DataPlaneTransport {
        let workers: [any DataPlaneWorker] = [InlineWorker(), InlineWorker()]
        let bound = Mutex<[(listener: RecordingListener, connection: String)]>([])

        func bindListener(
            name: String, serving kind: ClientProtocol, plane: DataPlane, accepting: Bool, limit: ConnectionLimit
        ) async throws -> any ListenerControl {
            let listener = RecordingListener(name: name, accepting: accepting, limit: limit)
            let connection = switch kind.connection(for: name, plane: plane) {
            case .http1(let shared): "http1 SERVER_PORT=\(shared.serverPort)"
            case .stream(let shared):
                switch shared.machine.mode {
                case .raw(let key): "stream raw key=\(String(buffer: key))"
                case .fast: "stream fast"
                }
            case .pty(let shared): "pty framed=\(shared.configuration.framed)"
            case .handler: "own handler"
            }
            bound.withLock { $0.append((listener, connection)) }
            return listener
        }

        func shutdown() async {}
    }

    static func engine(_ arguments: [String], transport: some DataPlaneTransport) throws -> RouterEngine {
        let (configuration, _) = try RouterConfiguration.parse(arguments: arguments) { _ in "" }
        guard let spec = configuration.routers.first else { throw TestTimeout(what: "a router in \(arguments)") }
        return try RouterEngine(
            spec: spec, global: configuration, sessions: SessionTable(workers: transport.workers), logger: quietLogger)
    }

    @Test("the binder binds each listener through the transport with its machine; cheap mode and the cap reach it")
    func binderUsesTheTransport() async throws {
        let transport = RecordingTransport()
        let engine = try Self.engine(
            ["--http", "127.0.0.1:8080", "--http", ":9090", "--http-cheap", "--http-max-connections", "7",
             "--http-subscription-server", "127.0.0.1:0"],
            transport: transport)
        var binder = FleetRouterProcess.Binder(logger: quietLogger, announce: { _ in })
        let listeners = try await binder.bindListeners(of: engine, kind: .http(HTTPRouterOptions()), transport: transport)
        let bound = transport.bound.withLock { $0 }
        #expect(listeners.map(\.name) == ["127.0.0.1:8080", ":9090"])
        #expect(bound.map(\.connection) == ["http1 SERVER_PORT=8080", "http1 SERVER_PORT=9090"])
        #expect(bound.allSatisfy { $0.listener.limit.maximum == 7 })
        // Cheap with an empty table: bound paused, and the engine keeps them paused.
        #expect(engine.isCheap)
        #expect(bound.allSatisfy { $0.listener.accepting.withLock { $0 }.allSatisfy { !$0 } })
        // A subscription ends cheap mode: the engine resumes every listener through the seam.
        let packet = SubscriptionPacket(key: "app.local", address: "127.0.0.1:4000")
        try engine.receive(SubscriptionDatagram(bytes: try packet.encoded(), sender: nil, listener: "test"))
        #expect(!engine.isCheap)
        #expect(bound.allSatisfy { $0.listener.accepting.withLock { $0 }.last == true })
        bound[0].listener.limit.recordRefused()
        #expect(engine.refusedConnections.data == 1)
    }

    @Test("the listener service stops every listener through the seam with the grace")
    func serviceStopsThroughTheSeam() async throws {
        let listeners = [RecordingListener(name: "a", accepting: true, limit: ConnectionLimit(maximum: 1)),
                         RecordingListener(name: "b", accepting: true, limit: ConnectionLimit(maximum: 1))]
        await ClientListenerService(listeners: listeners, grace: .milliseconds(250)).stop()
        #expect(listeners.map { $0.stoppedWithin.withLock { $0 } } == [.milliseconds(250), .milliseconds(250)])
    }

    @Test("the raw and fast protocols name the stream machine with the listener's key")
    func streamProtocols() async throws {
        let transport = RecordingTransport()
        let engine = try Self.engine(["--rawrouter", "127.0.0.1:7000", "--rawrouter-to", "127.0.0.1:1"], transport: transport)
        var binder = FleetRouterProcess.Binder(logger: quietLogger, announce: { _ in })
        _ = try await binder.bindListeners(of: engine, kind: .raw(StreamRouterOptions()), transport: transport)
        _ = try await binder.bindListeners(of: engine, kind: .fast(StreamRouterOptions()), transport: transport)
        let connections = transport.bound.withLock { $0.map(\.connection) }
        #expect(connections == ["stream raw key=127.0.0.1:7000", "stream fast"])
    }
}

/// The session table without event loops: one ring per worker, read by hopping onto each.
@Suite("Session table over workers")
struct SessionTableWorkerTests {
    @Test("sessions land in their worker's ring and the snapshot folds the rings in worker order, newest first")
    func ringsPerWorker() async throws {
        let workers: [any DataPlaneWorker] = [TransportSeamTests.InlineWorker(), TransportSeamTests.InlineWorker()]
        let table = SessionTable(workers: workers, capacity: 4)
        let a = table.open(worker: 0, client: try SocketAddress(ipAddress: "127.0.0.1", port: 1001))
        let b = table.open(worker: 1, client: try SocketAddress(ipAddress: "127.0.0.1", port: 2001))
        let c = table.open(worker: 0, client: try SocketAddress(ipAddress: "127.0.0.1", port: 1002))
        a.rx = 5
        b.state = .relaying
        c.requests = 2
        // Outside the table's workers: served, but not listed.
        let stray = table.open(worker: 7, client: try SocketAddress(ipAddress: "127.0.0.1", port: 9999))
        stray.requests = 1
        let sessions = try await table.snapshot()
        #expect(sessions.map(\.client) == ["127.0.0.1:1002", "127.0.0.1:1001", "127.0.0.1:2001"])
        #expect(sessions.map(\.rx) == [0, 5, 0])
        #expect(sessions.map(\.requests) == [2, 0, 0])
        #expect(sessions.map(\.state) == [.waiting, .waiting, .relaying])
    }

    @Test("each worker keeps capacity / workers sessions; older ones leave its ring")
    func ringCapacity() async throws {
        let table = SessionTable(workers: [TransportSeamTests.InlineWorker(), TransportSeamTests.InlineWorker()], capacity: 4)
        for port in 1...3 { _ = table.open(worker: 1, client: try SocketAddress(ipAddress: "127.0.0.1", port: port)) }
        let clients = try await table.snapshot().map(\.client)
        #expect(clients == ["127.0.0.1:3", "127.0.0.1:2"])
    }

    /// A worker that has stopped: hopping onto it fails.
    struct StoppedWorker: DataPlaneWorker {
        struct Stopped: Error {}
        var isCurrent: Bool { false }
        func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws -> T { throw Stopped() }
        func execute(_ task: @escaping @Sendable () -> Void) -> Bool { false }
    }

    @Test("a snapshot over a stopped worker throws instead of waiting for it")
    func stoppedWorker() async throws {
        let table = SessionTable(workers: [TransportSeamTests.InlineWorker(), StoppedWorker()])
        await #expect(throws: StoppedWorker.Stopped.self) { try await table.snapshot() }
    }
}
