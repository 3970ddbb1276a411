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
        loop.connectUpstream(
            to: endpoint, firstBytes: firstBytes,
            options: UpstreamOptions(connectTimeout: timeout, allowHalfClosure: true), delegate: self)
    }
}
