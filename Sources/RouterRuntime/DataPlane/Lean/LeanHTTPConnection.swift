import Logging
import NIOCore
import RouterWire

/// One HTTP client connection on a lean loop: the same `HTTPConnectionStateMachine` as
/// `HTTPRouterHandler` (the reference executor), carried out on raw sockets. It owns the
/// timer, the session record, the route lease and the node link; every decision is the
/// machine's, and each action is done as the NIO handler does it.
final class LeanHTTPConnection: LeanClientConnection, UpstreamDelegate {
    let shared: HTTPListenerShared
    var machine: HTTPConnectionStateMachine
    let remoteAddress: SocketAddress?
    var session: SessionRecord
    var lease: RouteLease?
    var link: LeanUpstream?

    init(loop: LeanEventLoop, fd: CInt, registry: LeanConnectionRegistry, shared: HTTPListenerShared,
         remoteAddress: SocketAddress?, session: SessionRecord, vars: HTTPConnectionVars) {
        self.shared = shared
        self.remoteAddress = remoteAddress
        self.session = session
        self.machine = HTTPConnectionStateMachine(configuration: shared.machine, connectionVars: vars)
        super.init(loop: loop, fd: fd, registry: registry, halfClose: false)
    }

    var logger: Logger { shared.plane.logger }

    /// Starts the machine once the socket is registered.
    func start() {
        perform(machine.start(now: loop.now))
    }

    // MARK: client events

    override func clientRead(_ bytes: ByteBuffer) {
        session.rx &+= UInt64(bytes.readableBytes)
        perform(machine.clientRead(bytes, now: loop.now))
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
        case .route(let key, let deadline):
            session.state = .connecting
            session.key = key
            session.requests += 1
            if let deadline { arm(deadline) }
            routed(shared.plane.policy.route(key: key, clientAddress: remoteAddress))
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
            guard !isClosed else { return }
            session.tx &+= UInt64(response.readableBytes)
            write(response)
            flushAndClose()
        case .close(let reason):
            log(reason)
            link?.close()
            close()
        case .responseEnded(let tail, let then):
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

    /// Hands the policy's decision to the machine, keeping the lease.
    private func routed(_ decision: RouteDecision) {
        switch decision {
        case .node(let target):
            lease = target.lease
            session.node = target.endpoint
            let action = machine.routed(.node(modifier1: target.modifier1, modifier2: target.modifier2))
            if case .connect(let firstBytes) = action {
                guard !isClosed else { return }
                LeanUpstream.connect(
                    to: target.endpoint, on: loop, firstBytes: firstBytes,
                    options: UpstreamOptions(connectTimeout: shared.options.effectiveConnectTimeout),
                    resetAtEnd: shared.options.nolinger, delegate: self)
            } else {
                performNested(action)
            }
        case .refused(let reason):
            performNested(machine.routed(.refused(reason)))
        }
    }

    private func retry(_ cause: RetryCause) {
        guard cause == .closedBeforeResponse, let failed = lease else { return }
        lease = nil
        link?.abandon()
        link = nil
        session.state = .connecting
        if !logger.logLevel.isQuiet {
            logger.notice("node closed before answering, retrying", metadata: ["node": "\(session.node?.name ?? "-")"])
        }
        routed(shared.plane.policy.connectFailed(failed, error: UpstreamClosedBeforeResponse()))
    }

    private func writeToClient(_ write: HTTPConnectionStateMachine.ClientWrite) {
        switch write {
        case .bytes(let bytes):
            writeToClient(bytes)
        case .chunk(let bytes):
            writeChunk(bytes)
        case .head(let front, let inserted, let blank, let body, let chunked):
            writeToClient(front)
            if inserted.readableBytes > 0 { writeToClient(inserted) }
            writeToClient(blank)
            if chunked { writeChunk(body) } else if body.readableBytes > 0 { writeToClient(body) }
        }
    }

    private func writeToClient(_ bytes: ByteBuffer) {
        guard !isClosed else { return }
        session.tx &+= UInt64(bytes.readableBytes)
        if !write(bytes) { performNested(machine.clientWritabilityChanged(false)) }
    }

    private func writeChunk(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0 else { return }
        writeToClient(ChunkEncoder.sizeLine(bytes.readableBytes, allocator: ByteBufferAllocator()))
        writeToClient(bytes)
        writeToClient(ChunkEncoder.chunkEnd)
    }

    private func log(_ reason: HTTPConnectionStateMachine.CloseReason) {
        HTTPRouterHandler.log(reason, logger: logger, session: session)
    }

    // MARK: UpstreamDelegate

    func upstreamConnected(_ link: any UpstreamLink) {
        guard let lease, let upstream = link as? LeanUpstream else { return }
        shared.plane.policy.connected(lease)
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
        if !logger.logLevel.isQuiet {
            logger.notice("unable to connect() to node", metadata: ["node": "\(session.node?.name ?? "-")", "error": "\(error)"])
        }
        let decision = shared.plane.policy.connectFailed(failed, error: error)
        guard !isClosed, case .retryOnNextNode = machine.upstreamConnectFailed() else {
            if case .node(let target) = decision {
                shared.plane.policy.finished(target.lease, bytesFromNode: 0, bytesToNode: 0)
            }
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
        let action = machine.upstreamClosed(now: loop.now)
        if case .retryOnNextNode = action {
            perform(action)
            return
        }
        if let lease {
            shared.plane.policy.finished(lease, bytesFromNode: fromNode, bytesToNode: toNode)
            self.lease = nil
        }
        perform(action)
    }
}
