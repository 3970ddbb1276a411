import Logging
import NIOCore
import RouterWire

/// One fast- or raw-router client connection: carries out what its
/// `StreamConnectionStateMachine` decides (find the key, connect the node through the policy,
/// relay bytes both ways untouched with half-closes passed through, retry an unanswered fast
/// request) on NIO. It owns the I/O, the timer, the session record and the route lease.
final class StreamRelayHandler: ChannelDuplexHandler, StreamMachineExecutor, WatchdogTarget {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How the key is found.
    typealias Mode = StreamConnectionStateMachine.Mode

    let plane: DataPlane
    private let timeout: TimeAmount
    private var context: ChannelHandlerContext?
    var machine: StreamConnectionStateMachine
    private var link: (any UpstreamLink)?
    var lease: RouteLease?
    private(set) var session = SessionRecord(client: nil)
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
            routed(plane.policy.route(key: key, clientAddress: session.client, worker: worker))
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

    var isClientOpen: Bool { context != nil }
    var nodeLink: (any UpstreamLink)? { link }
    func adopt(_ link: any UpstreamLink) { self.link = link }
    func dropLink() { link = nil }

    func performAction(_ action: consuming StreamConnectionStateMachine.Action) {
        perform(action)
    }

    func connect(_ firstBytes: ByteBuffer, to endpoint: NodeEndpoint) {
        guard let context else { return }
        NIOUpstreamConnector(eventLoop: context.eventLoop).connect(
            to: endpoint,
            firstBytes: firstBytes,
            options: UpstreamOptions(connectTimeout: timeout, allowHalfClosure: true),
            delegate: self
        )
    }
}
