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
    var spool: ConnectionSpool
    private(set) var session = SessionRecord(client: nil)
    private var watchdog = Watchdog()
    private var readGate = ReadGate()

    /// The session table's worker this connection runs on.
    let worker: Int

    init(shared: StreamListenerShared, worker: Int) {
        self.plane = shared.plane
        self.timeout = shared.timeout
        self.worker = worker
        self.spool = ConnectionSpool(directory: shared.spoolDirectory)
        self.machine = StreamConnectionStateMachine(configuration: shared.machine)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// Ends the handler ↔ context cycle when the pipeline is torn down, also for a connection
    /// a layer in front never activated (a failed TLS handshake on the SSL router).
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func awaitRoute(_ pending: PendingRoute) {
        guard let loop = context?.eventLoop else {
            plane.deliver(pending, through: { _ in false }, to: { _ in })
            return
        }
        let me = NIOLoopBound(self, eventLoop: loop)
        plane.deliver(pending, through: { task in
            loop.execute(task)
            return true
        }, to: { me.value.routedLater($0) })
    }

    func channelActive(context: ChannelHandlerContext) {
        session = plane.sessions.open(worker: worker, client: context.channel.remoteAddress, local: context.channel.localAddress)
        machine.prepare(client: session.client)
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
        if let facts = event as? ClientLayerFacts, let key = facts.key, case .raw = machine.configuration.mode {
            // The layer's key (the SNI name) replaces the listener's; the machine starts later.
            var configuration = machine.configuration
            configuration.mode = .raw(key: ByteBuffer(string: key))
            machine = StreamConnectionStateMachine(configuration: configuration)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func watchdogFired() {
        watchdog.fired()
        guard context != nil else { return }
        perform(machine.deadlineFired(now: .now()))
    }

    // MARK: the client side of the machine's actions (the rest is `StreamMachineExecutor.perform`)

    func armClientDeadline(_ deadline: NIODeadline) {
        guard let context else { return }
        watchdog.arm(at: deadline, on: context.eventLoop, target: self)
    }

    func writeClient(_ bytes: ByteBuffer) -> Bool {
        guard let context else { return true }
        context.write(wrapOutboundOut(bytes), promise: nil)
        return context.channel.isWritable
    }

    func flushClient() {
        context?.flush()
    }

    func shutdownClientOutputAfterFlush() {
        if let context { flushAndClose(context, mode: .output) }
    }

    func closeClientAfterFlush() {
        if let context { flushAndClose(context) }
    }

    func closeClientNow() {
        context?.close(promise: nil)
    }

    func setClientReading(_ enabled: Bool) {
        if enabled { readGate.open(context) } else { readGate.close() }
    }

    var isClientOpen: Bool { context != nil }
    var nodeLink: (any UpstreamLink)? { link }
    func adopt(_ link: any UpstreamLink) { self.link = link }
    func dropLink() { link = nil }

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
