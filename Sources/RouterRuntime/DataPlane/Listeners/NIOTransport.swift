import NIOCore
import NIOPosix

/// The data plane on SwiftNIO: listeners are server channels accepting on the group's event
/// loops (one per `--xxx-workers`), each client runs its machine in a NIO handler
/// (`HTTPRouterHandler`, `StreamRelayHandler`) and node connections are NIO client channels on
/// the client's own loop (`NIOUpstreamConnector`).
public struct NIOTransport: DataPlaneTransport {
    /// The loops connections run on.
    public let group: any EventLoopGroup
    /// One worker per loop of the group, in the group's order.
    public let workers: [any DataPlaneWorker]
    /// `--xxx-buffer-size`: the first receive buffer of each client connection; nil leaves
    /// NIO's default.
    public let receiveBufferSize: Int?
    private let ownsGroup: Bool

    /// A transport on `group`, which the caller shuts down.
    public init(group: any EventLoopGroup, receiveBufferSize: Int? = nil) {
        self.init(group: group, ownsGroup: false, receiveBufferSize: receiveBufferSize)
    }

    /// A transport on a group of its own with `threads` loops, shut down by `shutdown()`.
    public init(threads: Int, receiveBufferSize: Int? = nil) {
        self.init(group: MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads)), ownsGroup: true,
                  receiveBufferSize: receiveBufferSize)
    }

    private init(group: any EventLoopGroup, ownsGroup: Bool, receiveBufferSize: Int?) {
        self.group = group
        self.ownsGroup = ownsGroup
        self.receiveBufferSize = receiveBufferSize
        self.workers = NIOWorker.workers(of: group)
    }

    /// Binds a `ClientListener`; see `DataPlaneTransport`.
    public func bindListener(
        name: String, serving kind: ClientProtocol, plane: DataPlane, accepting: Bool, limit: ConnectionLimit
    ) async throws -> any ListenerControl {
        try await ClientListener.bind(
            name: name, kind: kind, group: group, plane: plane, accepting: accepting, limit: limit, receiveBufferSize: receiveBufferSize)
    }

    /// Shuts the group down if the transport created it.
    public func shutdown() async {
        guard ownsGroup else { return }
        try? await group.shutdownGracefully()
    }
}

/// A NIO event loop as a data-plane worker.
struct NIOWorker: DataPlaneWorker {
    let loop: any EventLoop

    var isCurrent: Bool { loop.inEventLoop }

    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws -> T {
        try await loop.submit(body).get()
    }

    func execute(_ task: @escaping @Sendable () -> Void) -> Bool {
        loop.execute(task)
        return true
    }

    /// One worker per loop of `group`, in the group's order.
    static func workers(of group: any EventLoopGroup) -> [any DataPlaneWorker] {
        var workers: [any DataPlaneWorker] = []
        for loop in group.makeIterator() { workers.append(NIOWorker(loop: loop)) }
        return workers
    }
}

extension SessionTable {
    /// A table with one ring per loop of `group` (the NIO transport's workers).
    public convenience init(group: any EventLoopGroup, capacity: Int = 256) {
        self.init(workers: NIOWorker.workers(of: group), capacity: capacity)
    }

    /// Each NIO worker's index by its loop, for connections to find their ring once at accept.
    func workerIndexByLoop() -> [ObjectIdentifier: Int] {
        var indices: [ObjectIdentifier: Int] = [:]
        for (index, worker) in workers.enumerated() {
            if let worker = worker as? NIOWorker { indices[ObjectIdentifier(worker.loop)] = index }
        }
        return indices
    }
}
