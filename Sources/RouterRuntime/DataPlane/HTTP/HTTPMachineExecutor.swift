import Logging
import NIOCore

/// What every executor of an `HTTPConnectionStateMachine` does alike, whatever carries its
/// bytes (`HTTPRouterHandler` on NIO, `LeanHTTPConnection` on the lean loops): hand the
/// policy's decisions to the machine, keep the route lease, retry an unanswered request on the
/// next node, and turn the node link's events into machine events. A conformer supplies the
/// I/O: its client side, `perform` and the node connect.
protocol HTTPMachineExecutor: UpstreamDelegate {
    var machine: HTTPConnectionStateMachine { get set }
    var lease: RouteLease? { get set }
    var session: SessionRecord { get }
    var plane: DataPlane { get }
    /// False once the client connection is gone.
    var isClientOpen: Bool { get }
    /// The time events happen at.
    var eventTime: NIODeadline { get }
    /// The node link, once connected.
    var nodeLink: (any UpstreamLink)? { get }
    /// `--http-post-buffering`: the current request's spool file.
    var spool: ConnectionSpool { get set }
    /// Keeps the link the node accepted.
    func adopt(_ link: any UpstreamLink)
    /// Forgets the node link (it closed or was abandoned).
    func dropLink()
    /// Carries out one action of the machine.
    func performAction(_ action: consuming HTTPConnectionStateMachine.Action)
    /// Connects to the node, sending `firstBytes` first; events come back as `UpstreamDelegate`.
    func connect(_ firstBytes: ByteBuffer, to endpoint: NodeEndpoint)
    /// Waits, without blocking the loop, for `pending`'s decision, then calls `routedLater`
    /// on the connection's loop (or gives a node's lease back when the loop is gone).
    func awaitRoute(_ pending: PendingRoute)
    /// Queues bytes for the client (counted in the session), telling the machine when the
    /// client's queue went over its watermark.
    func writeToClient(_ bytes: ByteBuffer)
    /// Takes a packet buffer the machine let go of, for reuse (a lean loop's pool); the default
    /// drops it.
    func recyclePacket(_ buffer: ByteBuffer)
}

extension HTTPMachineExecutor {
    var logger: Logger { plane.logger }

    /// Hands the policy's decision to the machine, keeping the lease; the connect it asks for
    /// goes to the chosen node.
    func routed(_ decision: RouteDecision) {
        switch decision {
        case .node(let target):
            lease = target.lease
            session.node = target.endpoint
            let action = machine.routed(.node(modifier1: target.modifier1, modifier2: target.modifier2))
            if case .connect(let firstBytes) = action {
                guard isClientOpen else { return }
                connect(firstBytes, to: target.endpoint)
            } else {
                performAction(action)
            }
        case .refused(let reason):
            performAction(machine.routed(.refused(reason)))
        case .pending(let pending):
            awaitRoute(pending)
        }
    }

    /// A pending route's decision, back on the connection's loop: handed to the machine if it
    /// still waits for it; otherwise (the client left, the deadline closed it) the node's
    /// lease is given back at once.
    func routedLater(_ decision: RouteDecision) {
        guard isClientOpen, machine.isRouting else {
            plane.discard(decision)
            return
        }
        routed(decision)
    }

    /// The node closed before its first response byte and the whole request is still held:
    /// the policy treats it as a failed connect and the request goes to the next node.
    func retry(_ cause: RetryCause) {
        guard cause == .closedBeforeResponse, let failed = lease else { return }
        lease = nil
        nodeLink?.abandon()
        dropLink()
        session.state = .connecting
        if !logger.logLevel.isQuiet {
            logger.notice("node closed before answering, retrying", metadata: ["node": "\(session.node?.name ?? "-")"])
        }
        routed(plane.policy.connectFailed(failed, error: UpstreamClosedBeforeResponse()))
    }

    func upstreamConnected(_ link: any UpstreamLink) {
        guard let lease else { return }
        plane.policy.connected(lease)
        let action = machine.upstreamConnected(writable: link.isWritable)
        if case .closeNode = action {
            link.close()  // the client left while we were connecting
            return
        }
        adopt(link)
        performAction(action)
    }

    func upstreamConnectFailed(_ error: any Error) {
        guard let failed = lease else { return }
        lease = nil
        if !logger.logLevel.isQuiet {
            logger.notice("unable to connect() to node", metadata: ["node": "\(session.node?.name ?? "-")", "error": "\(error)"])
        }
        let decision = plane.policy.connectFailed(failed, error: error)
        guard isClientOpen, case .retryOnNextNode = machine.upstreamConnectFailed() else {
            plane.discard(decision)
            return
        }
        routed(decision)
    }

    func upstreamRead(_ bytes: ByteBuffer) {
        performAction(machine.upstreamRead(bytes))
        if let spent = machine.takeSpentPacket() { recyclePacket(spent) }
    }

    func recyclePacket(_ buffer: ByteBuffer) {}

    func upstreamReadComplete() {
        performAction(machine.upstreamReadComplete())
    }

    func upstreamInputClosed() {
        performAction(machine.upstreamInputClosed())
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        performAction(machine.upstreamWritabilityChanged(writable))
    }

    func upstreamClosed() {
        dropLink()
        let toNode = machine.bytesToNode
        let fromNode = machine.bytesFromNode
        let action = machine.upstreamClosed(now: eventTime)
        if case .retryOnNextNode = action {
            performAction(action)
            return
        }
        if let lease {
            plane.policy.finished(lease, bytesFromNode: fromNode, bytesToNode: toNode)
            self.lease = nil
        }
        performAction(action)
        if let spent = machine.takeSpentPacket() { recyclePacket(spent) }
    }

    /// `.holdBody`'s spool bytes: appended to the request's spool file; the machine's next step.
    func spoolBody(_ bytes: ByteBuffer) -> HTTPConnectionStateMachine.Action {
        if let error = spool.append(bytes) { return machine.spoolFailed(error.description) }
        return machine.bodySpooled()
    }

    /// `.sendSpooled`: sends chunks of the spool file while the node's link takes them; the
    /// machine's next step once it stops (a flush, or a failure to answer).
    func sendSpooled(offset: Int, length: Int) -> HTTPConnectionStateMachine.Action {
        session.state = .relaying
        guard let link = nodeLink else { return .none }
        let next = spool.send(
            offset: offset, length: length, to: link,
            chunk: { (action: HTTPConnectionStateMachine.Action) in
                if case .sendSpooled(let offset, let length) = action { (offset, length) } else { nil }
            },
            sent: { machine.spooledChunkSent(writable: $0) }, failed: { machine.spoolFailed($0) })
        if !machine.isSendingSpool { spool.release() }
        return next
    }

    /// Queues one of the machine's client writes.
    func writeToClient(_ write: HTTPConnectionStateMachine.ClientWrite) {
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

    private func writeChunk(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0, isClientOpen else { return }
        writeToClient(ChunkEncoder.sizeLine(bytes.readableBytes, allocator: ByteBufferAllocator()))
        writeToClient(bytes)
        writeToClient(ChunkEncoder.chunkEnd)
    }

    /// Logs why a connection ended.
    func log(_ reason: HTTPConnectionStateMachine.CloseReason) {
        let client: Logger.Metadata = ["client": "\(session.clientName)"]
        switch reason {
        case .badRequest(let why):
            logger.info("\(why)", metadata: client)
        case .headTooLarge(let limit):
            logger.info("request head over \(limit) bytes", metadata: client)
        case .varsTooLarge:
            logger.info("request vars over 65535 bytes", metadata: client)
        case .headTimeout:
            logger.info("request head not received within the headers timeout", metadata: client)
        case .refused(let reason, let key):
            let keyText = String(decoding: key.readableBytesView, as: UTF8.self)
            if reason == .retriesExhausted || reason == .resolverFailed {
                logger.warning("502: \(reason)", metadata: ["key": "\(keyText)", "client": "\(session.clientName)"])
            } else {
                logger.info("503: \(reason)", metadata: ["key": "\(keyText)", "client": "\(session.clientName)"])
            }
        case .nodeSilent:
            logger.warning("502: node closed without answering", metadata: ["node": "\(session.node?.name ?? "-")"])
        case .inactive:
            logger.info("session inactive for the timeout, closing", metadata: client)
        case .badPreamble(let why):
            logger.info("bad connection preamble: \(why)", metadata: client)
        case .expectTooLarge(let limit):
            logger.info("413: Expect: 100-continue with a body over \(limit) bytes", metadata: client)
        case .spoolFailed(let why):
            logger.error("502: \(why)", metadata: client)
        case .bodyTimeout:
            logger.info("408: request body not received within the timeout", metadata: client)
        case .idleKeepAlive, .stopped, .responseEnded:
            break
        }
    }
}
