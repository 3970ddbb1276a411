import Logging
import NIOCore
import RouterWire

/// One fast- or raw-router client connection: carries out what its
/// `StreamConnectionStateMachine` decides (find the key, connect the node through the policy,
/// relay bytes both ways untouched with half-closes passed through, retry an unanswered fast
/// request) on NIO. It owns the I/O, the timer, the session record and the route lease.
final class StreamRelayHandler: ChannelDuplexHandler, UpstreamDelegate, WatchdogTarget {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How the key is found.
    typealias Mode = StreamConnectionStateMachine.Mode

    private let plane: DataPlane
    private let timeout: TimeAmount
    private var context: ChannelHandlerContext?
    private var machine: StreamConnectionStateMachine
    private var link: (any UpstreamLink)?
    private var lease: RouteLease?
    private var session = SessionRecord(client: nil)
    private var watchdog = Watchdog()
    private var readGate = ReadGate()

    /// The session table's worker this connection runs on.
    private let worker: Int

    init(shared: StreamListenerShared, worker: Int) {
        self.plane = shared.plane
        self.timeout = shared.timeout
        self.worker = worker
        self.machine = StreamConnectionStateMachine(configuration: shared.machine)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        session = plane.sessions.open(worker: worker, client: context.channel.remoteAddress, local: context.channel.localAddress)
        perform(machine.start(now: .now()))
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        session.state = .closed
        watchdog.cancel()
        perform(machine.clientClosed())
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        readGate.read(context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        perform(machine.clientWritabilityChanged(context.channel.isWritable))
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        session.rx &+= UInt64(bytes.readableBytes)
        perform(machine.clientRead(bytes))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        perform(machine.clientReadComplete())
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            perform(machine.clientInputClosed())
            return
        }
        if event is RouterStopEvent {
            perform(machine.stopRequested())
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func watchdogFired() {
        watchdog.fired()
        guard context != nil else { return }
        perform(machine.deadlineFired(now: .now()))
    }

    // MARK: actions

    /// Carries out one action of the machine.
    private func perform(_ action: consuming StreamConnectionStateMachine.Action) {
        switch consume action {
        case .none, .abandonAttempt:
            break
        case .armTimer(let deadline):
            arm(deadline)
        case .route(let key, let deadline):
            session.key = key
            session.requests += 1
            if let deadline { arm(deadline) }
            routed(plane.policy.route(key: key, clientAddress: session.client))
        case .connect:
            break  // carried out in `routed`, where the node is known
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
            if resume { readGate.open(context) }
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
            if closeClient, let context { flushAndClose(context) }
        case .writeToClient(let bytes):
            guard let context else { return }
            session.tx &+= UInt64(bytes.readableBytes)
            context.write(wrapOutboundOut(bytes), promise: nil)
            if !context.channel.isWritable { perform(machine.clientWritabilityChanged(false)) }
        case .flushClient:
            context?.flush()
        case .shutdownClientOutput:
            if let context { flushAndClose(context, mode: .output) }
        case .closeBoth:
            link?.close()
            if let context { flushAndClose(context) }
        case .pauseClientReads:
            readGate.close()
        case .resumeClientReads:
            readGate.open(context)
        case .setNodeReading(let enabled):
            link?.setReading(enabled)
        case .close(let reason):
            log(reason)
            link?.close()
            context?.close(promise: nil)
        case .closeAfterFlush:
            if let context { flushAndClose(context) }
        }
    }

    private func arm(_ deadline: NIODeadline) {
        guard let context else { return }
        watchdog.arm(at: deadline, on: context.eventLoop, target: self)
    }

    /// Hands the policy's decision to the machine, keeping the lease; the connect it asks for
    /// goes to the chosen node.
    private func routed(_ decision: RouteDecision) {
        switch decision {
        case .node(let target):
            lease = target.lease
            session.node = target.endpoint
            let action = machine.routed(.node(modifier1: target.modifier1, modifier2: target.modifier2))
            if case .connect(let firstBytes) = action {
                connect(firstBytes, to: target.endpoint)
            } else {
                perform(action)
            }
        case .refused(let reason):
            perform(machine.routed(.refused(reason)))
        }
    }

    private func connect(_ firstBytes: ByteBuffer, to endpoint: NodeEndpoint) {
        guard let context else { return }
        session.state = .connecting
        NIOUpstreamConnector(eventLoop: context.eventLoop).connect(
            to: endpoint,
            firstBytes: firstBytes,
            options: UpstreamOptions(connectTimeout: timeout, allowHalfClosure: true),
            delegate: self
        )
    }

    /// The node closed (or half-closed) before its first response byte while the whole fast
    /// router request is held: the policy treats it as a failed connect (see
    /// `RoutingPolicy.connectFailed`) and the request goes to the next node.
    private func retry(_ cause: RetryCause) {
        guard cause == .closedBeforeResponse, let failed = lease else { return }
        lease = nil
        link?.abandon()
        link = nil
        session.state = .connecting
        plane.logger.notice("node closed before answering, retrying", metadata: ["node": "\(session.node?.name ?? "-")"])
        routed(plane.policy.connectFailed(failed, error: UpstreamClosedBeforeResponse()))
    }

    private func log(_ reason: StreamConnectionStateMachine.CloseReason) {
        Self.log(reason, logger: plane.logger, session: session)
    }

    /// Logs why a connection ended, as every stream executor does.
    static func log(_ reason: StreamConnectionStateMachine.CloseReason, logger: Logger, session: SessionRecord) {
        let client: Logger.Metadata = ["client": "\(session.clientName)"]
        switch reason {
        case .invalidPacket(let why):
            logger.info("invalid uwsgi packet: \(why)", metadata: client)
        case .noPacket:
            logger.info("no complete uwsgi packet within the deadline, closing", metadata: client)
        case .refused(let reason, let key):
            logger.info("closing client: \(reason)", metadata: ["key": "\(String(decoding: key.readableBytesView, as: UTF8.self))"])
        case .retriesFailed(let reason):
            logger.warning("closing client: \(reason)", metadata: ["node": "\(session.node?.name ?? "-")"])
        case .inactive:
            logger.info("session inactive for the timeout, closing", metadata: client)
        case .clientLeftBeforePacket:
            break
        }
    }

    // MARK: UpstreamDelegate

    func upstreamConnected(_ link: any UpstreamLink) {
        guard let lease else { return }
        plane.policy.connected(lease)
        let action = machine.upstreamConnected(writable: link.isWritable)
        if case .closeNode = action {
            link.close()
            return
        }
        self.link = link
        perform(action)
    }

    func upstreamConnectFailed(_ error: any Error) {
        guard let failed = lease else { return }
        lease = nil
        plane.logger.notice("unable to connect() to node", metadata: ["node": "\(session.node?.name ?? "-")", "error": "\(error)"])
        let decision = plane.policy.connectFailed(failed, error: error)
        guard context != nil, case .retryOnNextNode = machine.upstreamConnectFailed() else {
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
