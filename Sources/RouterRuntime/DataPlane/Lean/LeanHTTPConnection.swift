import Logging
import NIOCore
import RouterWire

/// One HTTP client connection on a lean loop: the same `HTTPConnectionStateMachine` as
/// `HTTPRouterHandler` (the reference executor), carried out on raw sockets. It owns the
/// timer, the session record, the route lease and the node link; every decision is the
/// machine's, and each action is done as the NIO handler does it.
final class LeanHTTPConnection: LeanClientConnection, HTTPMachineExecutor {
    let shared: HTTPListenerShared
    var machine: HTTPConnectionStateMachine
    let remoteAddress: SocketAddress?
    var session: SessionRecord
    var lease: RouteLease?
    var link: (any UpstreamLink)?
    var spool: ConnectionSpool
    /// The loop's index among the transport's workers: the routing replica this connection uses.
    let worker: Int

    init(loop: LeanEventLoop, fd: CInt, registry: LeanConnectionRegistry, shared: HTTPListenerShared,
         remoteAddress: SocketAddress?, session: SessionRecord, vars: HTTPConnectionVars, worker: Int) {
        self.shared = shared
        self.worker = worker
        self.remoteAddress = remoteAddress
        self.session = session
        self.spool = ConnectionSpool(directory: shared.spoolDirectory)
        self.machine = HTTPConnectionStateMachine(configuration: shared.machine, connectionVars: vars)
        self.machine.preamble = shared.options.preamble(for: remoteAddress)
        super.init(loop: loop, fd: fd, registry: registry, halfClose: false)
    }

    var plane: DataPlane { shared.plane }
    var isClientOpen: Bool { !isClosed }
    var eventTime: NIODeadline { loop.now }
    var nodeLink: (any UpstreamLink)? { link }
    func adopt(_ link: any UpstreamLink) { self.link = link }
    func dropLink() { link = nil }

    func awaitRoute(_ pending: PendingRoute) {
        let me = LoopBound(value: self)
        let loop = self.loop
        plane.deliver(pending, through: { loop.execute($0) }, to: { me.value.routedLater($0) })
    }

    func performAction(_ action: consuming HTTPConnectionStateMachine.Action) {
        perform(action)
    }

    func connect(_ firstBytes: ByteBuffer, to endpoint: NodeEndpoint) {
        loop.connectUpstream(
            to: endpoint, firstBytes: firstBytes,
            options: UpstreamOptions(connectTimeout: shared.options.effectiveConnectTimeout),
            resetAtEnd: shared.options.nolinger, delegate: self)
    }

    /// Starts the machine once the socket is registered.
    func start() {
        perform(machine.start(now: loop.now))
    }

    // MARK: client events

    override func clientRead(_ bytes: ByteBuffer) {
        session.rx &+= UInt64(bytes.readableBytes)
        machine.supplyPacket(loop.packets.take())
        perform(machine.clientRead(bytes, now: loop.now))
    }

    func recyclePacket(_ buffer: ByteBuffer) {
        loop.packets.recycle(buffer)
    }

    override func clientReadComplete() {
        perform(machine.clientReadComplete())
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

    /// Carries out one action of the machine, as `HTTPRouterHandler.perform` does.
    @inline(__always)
    func perform(_ action: consuming HTTPConnectionStateMachine.Action) {
        switch consume action {
        case .none, .connect, .abandonAttempt:
            break
        case .armTimer(let deadline):
            arm(deadline)
        case .route(let key, let deadline, let interim):
            if let interim {
                writeToClient(interim)
                flush()
            }
            session.state = .connecting
            session.key = key
            session.requests += 1
            if let deadline { arm(deadline) }
            routed(shared.plane.policy.route(key: key, clientAddress: remoteAddress, worker: worker))
        case .retryOnNextNode(let cause):
            retry(cause)
        case .connected(let write, let resume):
            session.state = .relaying
            if let write, let link {
                link.write(write)
                link.flush()
            }
            if resume { resumeReads() }
        case .writeToNode(let bytes):
            guard let link else { return }
            link.write(bytes)
            if !link.isWritable { performNested(machine.upstreamWritabilityChanged(false)) }
        case .flushNode:
            link?.flush()
        case .closeNode:
            link?.close()
        case .writeToClient(let write):
            writeToClient(write)
        case .flushClient:
            flush()
        case .pauseClientReads:
            pauseReads()
        case .resumeClientReads:
            resumeReads()
        case .setNodeReading(let enabled):
            link?.setReading(enabled)
        case .answer(let response, let reason):
            log(reason)
            spool.release()
            guard !isClosed else { return }
            session.tx &+= UInt64(response.readableBytes)
            write(response)
            flushAndLinger()
        case .close(let reason):
            log(reason)
            spool.release()
            link?.close()
            close()
        case .holdBody(let interim, let bytes, let deadline):
            if let interim {
                writeToClient(interim)
                flush()
            }
            if let deadline { arm(deadline) }
            if let bytes { performNested(spoolBody(bytes)) }
        case .sendSpooled(let offset, let length):
            performNested(sendSpooled(offset: offset, length: length))
        case .responseEnded(let tail, let then):
            spool.release()
            if let tail { writeToClient(tail) }
            guard !isClosed else { return }
            switch then {
            case .close:
                session.state = .closed
                flushAndClose()
            case .readNextRequest(let deadline, let resume):
                flush()
                session.state = .waiting
                if resume { resumeReads() }
                if let deadline { arm(deadline) }
                if machine.holdsNextRequest { performNested(machine.nextRequest(now: loop.now)) }
            }
        }
    }

    @inline(never)
    private func performNested(_ action: consuming HTTPConnectionStateMachine.Action) {
        perform(action)
    }

    func writeToClient(_ bytes: ByteBuffer) {
        guard !isClosed else { return }
        session.tx &+= UInt64(bytes.readableBytes)
        if !write(bytes) { performNested(machine.clientWritabilityChanged(false)) }
    }
}
