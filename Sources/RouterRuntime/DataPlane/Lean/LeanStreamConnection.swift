import Logging
import NIOCore
import RouterWire

/// One fast- or raw-router client connection on a lean loop: the same
/// `StreamConnectionStateMachine` as `StreamRelayHandler` (the reference executor), carried out
/// on raw sockets, half-closes passed through both ways.
final class LeanStreamConnection: LeanClientConnection, StreamMachineExecutor {
    let plane: DataPlane
    private let timeout: TimeAmount
    var machine: StreamConnectionStateMachine
    private var link: LeanUpstream?
    var lease: RouteLease?
    private(set) var session: SessionRecord
    /// The loop's index among the transport's workers: the routing replica this connection uses.
    private let worker: Int

    init(loop: LeanEventLoop, fd: CInt, registry: LeanConnectionRegistry, shared: StreamListenerShared, session: SessionRecord, worker: Int) {
        self.plane = shared.plane
        self.worker = worker
        self.timeout = shared.timeout
        self.session = session
        self.machine = StreamConnectionStateMachine(configuration: shared.machine)
        super.init(loop: loop, fd: fd, registry: registry, halfClose: true)
    }

    /// Starts the machine once the socket is registered.
    func start() {
        perform(machine.start(now: loop.now))
    }

    // MARK: client events

    override func clientRead(_ bytes: ByteBuffer) {
        session.rx &+= UInt64(bytes.readableBytes)
        perform(machine.clientRead(bytes))
    }

    override func clientReadComplete() {
        perform(machine.clientReadComplete())
    }

    override func clientInputClosed() {
        perform(machine.clientInputClosed())
    }

    override func clientWritabilityChanged(_ writable: Bool) {
        perform(machine.clientWritabilityChanged(writable))
    }

    override func clientClosed() {
        session.state = .closed
        perform(machine.clientClosed())
    }

    override func deadlineFired() {
        perform(machine.deadlineFired(now: loop.now))
    }

    override func stopRequested() {
        perform(machine.stopRequested())
    }

    // MARK: actions

    /// Carries out one action of the machine, as `StreamRelayHandler.perform` does.
    private func perform(_ action: consuming StreamConnectionStateMachine.Action) {
        switch consume action {
        case .none, .abandonAttempt, .connect:
            break
        case .armTimer(let deadline):
            arm(deadline)
        case .route(let key, let deadline):
            session.key = key
            session.requests += 1
            if let deadline { arm(deadline) }
            routed(plane.policy.route(key: key, clientAddress: session.client, worker: worker))
        case .retryOnNextNode(let cause):
            retry(cause)
        case .connected(let write, let shutdown, let resume):
            session.state = .relaying
            guard let link else { return }
            if let write {
                link.write(write)
                link.flush()
            }
            if shutdown { link.shutdownOutput() }
            if resume { resumeReads() }
        case .writeToNode(let bytes):
            guard let link else { return }
            link.write(bytes)
            if !link.isWritable { perform(machine.upstreamWritabilityChanged(false)) }
        case .flushNode:
            link?.flush()
        case .closeNode:
            link?.close()
        case .shutdownNodeOutput(let closeClient):
            link?.shutdownOutput()
            if closeClient { flushAndClose() }
        case .writeToClient(let bytes):
            guard !isClosed else { return }
            session.tx &+= UInt64(bytes.readableBytes)
            if !write(bytes) { perform(machine.clientWritabilityChanged(false)) }
        case .flushClient:
            flush()
        case .shutdownClientOutput:
            flushAndShutdownOutput()
        case .closeBoth:
            link?.close()
            flushAndClose()
        case .pauseClientReads:
            pauseReads()
        case .resumeClientReads:
            resumeReads()
        case .setNodeReading(let enabled):
            link?.setReading(enabled)
        case .close(let reason):
            log(reason)
            link?.close()
            close()
        case .closeAfterFlush:
            flushAndClose()
        }
    }

    var isClientOpen: Bool { !isClosed }
    var nodeLink: (any UpstreamLink)? { link }
    func adopt(_ link: any UpstreamLink) { self.link = link as? LeanUpstream }
    func dropLink() { link = nil }

    func performAction(_ action: consuming StreamConnectionStateMachine.Action) {
        perform(action)
    }

    func connect(_ firstBytes: ByteBuffer, to endpoint: NodeEndpoint) {
        LeanUpstream.connect(
            to: endpoint, on: loop, firstBytes: firstBytes,
            options: UpstreamOptions(connectTimeout: timeout, allowHalfClosure: true), delegate: self)
    }
}
