import Logging
import NIOCore
import RouterWire

/// One fast- or raw-router client connection on a lean loop: the same
/// `StreamConnectionStateMachine` as `StreamRelayHandler` (the reference executor), carried out
/// on raw sockets, half-closes passed through both ways.
final class LeanStreamConnection: LeanClientConnection, UpstreamDelegate {
    private let plane: DataPlane
    private let timeout: TimeAmount
    private var machine: StreamConnectionStateMachine
    private var link: LeanUpstream?
    private var lease: RouteLease?
    private var session: SessionRecord

    init(loop: LeanEventLoop, fd: CInt, registry: LeanConnectionRegistry, shared: StreamListenerShared, session: SessionRecord) {
        self.plane = shared.plane
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
            routed(plane.policy.route(key: key, clientAddress: session.client))
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
            StreamRelayHandler.log(reason, logger: plane.logger, session: session)
            link?.close()
            close()
        case .closeAfterFlush:
            flushAndClose()
        }
    }

    private func routed(_ decision: RouteDecision) {
        switch decision {
        case .node(let target):
            lease = target.lease
            session.node = target.endpoint
            let action = machine.routed(.node(modifier1: target.modifier1, modifier2: target.modifier2))
            if case .connect(let firstBytes) = action {
                guard !isClosed else { return }
                session.state = .connecting
                LeanUpstream.connect(
                    to: target.endpoint, on: loop, firstBytes: firstBytes,
                    options: UpstreamOptions(connectTimeout: timeout, allowHalfClosure: true), delegate: self)
            } else {
                perform(action)
            }
        case .refused(let reason):
            perform(machine.routed(.refused(reason)))
        }
    }

    private func retry(_ cause: RetryCause) {
        guard cause == .closedBeforeResponse, let failed = lease else { return }
        lease = nil
        link?.abandon()
        link = nil
        session.state = .connecting
        plane.logger.notice("node closed before answering, retrying", metadata: ["node": "\(session.node?.name ?? "-")"])
        routed(plane.policy.connectFailed(failed, error: UpstreamClosedBeforeResponse()))
    }

    // MARK: UpstreamDelegate

    func upstreamConnected(_ link: any UpstreamLink) {
        guard let lease, let upstream = link as? LeanUpstream else { return }
        plane.policy.connected(lease)
        let action = machine.upstreamConnected(writable: link.isWritable)
        if case .closeNode = action {
            link.close()
            return
        }
        self.link = upstream
        perform(action)
    }

    func upstreamConnectFailed(_ error: any Error) {
        guard let failed = lease else { return }
        lease = nil
        plane.logger.notice("unable to connect() to node", metadata: ["node": "\(session.node?.name ?? "-")", "error": "\(error)"])
        let decision = plane.policy.connectFailed(failed, error: error)
        guard !isClosed, case .retryOnNextNode = machine.upstreamConnectFailed() else {
            if case .node(let target) = decision { plane.policy.finished(target.lease, bytesFromNode: 0, bytesToNode: 0) }
            return
        }
        routed(decision)
    }

    func upstreamRead(_ bytes: ByteBuffer) {
        perform(machine.upstreamRead(bytes))
    }

    func upstreamReadComplete() {
        perform(machine.upstreamReadComplete())
    }

    func upstreamInputClosed() {
        perform(machine.upstreamInputClosed())
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        perform(machine.upstreamWritabilityChanged(writable))
    }

    func upstreamClosed() {
        link = nil
        let toNode = machine.bytesToNode
        let fromNode = machine.bytesFromNode
        let action = machine.upstreamClosed()
        if case .retryOnNextNode = action {
            perform(action)
            return
        }
        if let lease {
            plane.policy.finished(lease, bytesFromNode: fromNode, bytesToNode: toNode)
            self.lease = nil
        }
        perform(action)
    }
}
