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
    private var link: (any UpstreamLink)?
    var lease: RouteLease?
    var spool: ConnectionSpool
    private(set) var session: SessionRecord
    /// The loop's index among the transport's workers: the routing replica this connection uses.
    let worker: Int

    init(loop: LeanEventLoop, fd: CInt, registry: LeanConnectionRegistry, shared: StreamListenerShared, session: SessionRecord, worker: Int) {
        self.plane = shared.plane
        self.worker = worker
        self.timeout = shared.timeout
        self.session = session
        self.spool = ConnectionSpool(directory: shared.spoolDirectory)
        self.machine = StreamConnectionStateMachine(configuration: shared.machine)
        super.init(loop: loop, fd: fd, registry: registry, halfClose: true)
    }

    /// Starts the machine once the socket is registered.
    func start() {
        machine.prepare(client: session.client)
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

    // MARK: the client side of the machine's actions (the rest is `StreamMachineExecutor.perform`)

    func armClientDeadline(_ deadline: NIODeadline) { arm(deadline) }
    func writeClient(_ bytes: ByteBuffer) -> Bool { write(bytes) }
    func flushClient() { flush() }
    func shutdownClientOutputAfterFlush() { flushAndShutdownOutput() }
    func closeClientAfterFlush() { flushAndClose() }
    func closeClientNow() { close() }
    func setClientReading(_ enabled: Bool) { if enabled { resumeReads() } else { pauseReads() } }

    var isClientOpen: Bool { !isClosed }
    var nodeLink: (any UpstreamLink)? { link }
    func adopt(_ link: any UpstreamLink) { self.link = link }
    func dropLink() { link = nil }

    func awaitRoute(_ pending: PendingRoute) {
        let me = LoopBound(value: self)
        let loop = self.loop
        plane.deliver(pending, through: { loop.execute($0) }, to: { me.value.routedLater($0) })
    }

    func connect(_ firstBytes: ByteBuffer, to endpoint: NodeEndpoint) {
        let options = UpstreamOptions(connectTimeout: timeout, allowHalfClosure: true)
        if case .raw = machine.configuration.mode {
            // A raw session's bytes are spliced, which takes readiness (epoll, or the ring's
            // polls), not the ring's completion-based node connection.
            LeanUpstream.connect(to: endpoint, on: loop, firstBytes: firstBytes, options: options, delegate: self)
        } else {
            loop.connectUpstream(to: endpoint, firstBytes: firstBytes, options: options, delegate: self)
        }
    }

    // MARK: zero-copy relay

    func relayUntouched() {
        guard splice == nil, !isClosed, let upstream = link as? LeanUpstream, upstream.state == .active,
            let splice = LeanSplice(loop: loop, connection: self, upstream: upstream)
        else { return }  // no pipe to be had: the buffered copy goes on
        self.splice = splice
        upstream.splice = splice
        splice.kick()
    }

    /// Bytes the splice moved one way: counted for the session and the machine, as reads are.
    func spliced(_ way: LeanSplice.Way, count: Int) {
        switch way {
        case .toNode:
            session.rx &+= UInt64(count)
            machine.splicedToNode(count)
        case .toClient:
            session.tx &+= UInt64(count)
            machine.splicedFromNode(count)
        }
    }

    /// The kernel refused a splice: what the pipes hold goes the buffered way, an end of input
    /// read meanwhile is passed on, and both sides read the buffered way again.
    func spliceRefused() {
        guard let splice, let upstream = link as? LeanUpstream else { return }
        let left = splice.detachForCopy()
        plane.logger.notice("splice refused, relaying by copy", metadata: ["client": "\(session.clientName)"])
        if left.toNode.readableBytes > 0 {
            upstream.write(left.toNode)
            upstream.flush()
        }
        if left.toClient.readableBytes > 0 {
            write(left.toClient)
            flush()
        }
        if left.clientEnded { spliceInputEnded() }
        if left.nodeEnded { upstream.spliceInputEnded() }
        resumeBufferedReads()
        upstream.resumeBufferedReads()
    }
}
