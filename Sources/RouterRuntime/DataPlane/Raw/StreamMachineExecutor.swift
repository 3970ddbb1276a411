import Logging
import NIOCore

/// What every executor of a `StreamConnectionStateMachine` does alike, whatever carries its
/// bytes (`StreamRelayHandler` on NIO, `LeanStreamConnection` on the lean loops): hand the
/// policy's decisions to the machine, keep the route lease, retry an unanswered fast-router
/// request on the next node, and turn the node link's events into machine events.
protocol StreamMachineExecutor: UpstreamDelegate {
    var machine: StreamConnectionStateMachine { get set }
    var lease: RouteLease? { get set }
    var session: SessionRecord { get }
    var plane: DataPlane { get }
    /// False once the client connection is gone.
    var isClientOpen: Bool { get }
    /// The node link, once connected.
    var nodeLink: (any UpstreamLink)? { get }
    /// `--fastrouter-post-buffering`: the request's spool file.
    var spool: ConnectionSpool { get set }
    /// Keeps the link the node accepted.
    func adopt(_ link: any UpstreamLink)
    /// Forgets the node link (it closed or was abandoned).
    func dropLink()
    /// Connects to the node, sending `firstBytes` first; events come back as `UpstreamDelegate`.
    func connect(_ firstBytes: ByteBuffer, to endpoint: NodeEndpoint)
    /// Waits, without blocking the loop, for `pending`'s decision, then calls `routedLater`
    /// on the connection's loop (or gives a node's lease back when the loop is gone).
    func awaitRoute(_ pending: PendingRoute)
    /// The transport's worker the connection runs on: the routing replica it uses.
    var worker: Int { get }

    // The client side, the one part each transport carries out its own way.

    /// Arms the connection's one deadline.
    func armClientDeadline(_ deadline: NIODeadline)
    /// Queues bytes for the client; false when the client's buffer is full (backpressure).
    func writeClient(_ bytes: ByteBuffer) -> Bool
    /// Sends the client's queued bytes.
    func flushClient()
    /// Shuts down the client's write side after its queued bytes.
    func shutdownClientOutputAfterFlush()
    /// Closes the client after its queued bytes.
    func closeClientAfterFlush()
    /// Closes the client at once.
    func closeClientNow()
    /// Stops (false) or resumes (true) reading from the client.
    func setClientReading(_ enabled: Bool)
    /// The machine may let bytes pass untouched from now on (`relaysUntouched`): a transport
    /// that can relay without copying (`LeanSplice`) takes over the bytes here.
    func relayUntouched()
}

extension StreamMachineExecutor {
    /// Copies every byte through the machine (the NIO executor).
    func relayUntouched() {}

    /// Carries out one action of the machine: the node side and the bookkeeping here, the
    /// client side through the transport's own requirements.
    func perform(_ action: consuming StreamConnectionStateMachine.Action) {
        switch consume action {
        case .none, .abandonAttempt:
            break
        case .connect:
            break  // carried out in `routed`, where the node is known
        case .armTimer(let deadline):
            armClientDeadline(deadline)
        case .route(let key, let deadline):
            session.key = key
            session.requests += 1
            if let deadline { armClientDeadline(deadline) }
            routed(plane.policy.route(key: key, clientAddress: session.client, worker: worker))
        case .retryOnNextNode(let cause):
            retry(cause)
        case .connected(let write, let shutdown, let resume):
            session.state = .relaying
            guard let link = nodeLink else { return }
            if let write {
                link.write(write)
                link.flush()
            }
            if shutdown { link.shutdownOutput() }
            if resume { setClientReading(true) }
            if machine.relaysUntouched { relayUntouched() }
        case .writeToNode(let bytes):
            guard let link = nodeLink else { return }
            link.write(bytes)
            if !link.isWritable { perform(machine.upstreamWritabilityChanged(false)) }
        case .flushNode:
            nodeLink?.flush()
        case .closeNode:
            nodeLink?.close()
        case .shutdownNodeOutput:
            nodeLink?.shutdownOutput()
        case .finishNode(let limit):
            nodeLink?.finish(within: limit)
        case .writeToClient(let bytes):
            guard isClientOpen else { return }
            session.tx &+= UInt64(bytes.readableBytes)
            if !writeClient(bytes) { perform(machine.clientWritabilityChanged(false)) }
        case .flushClient:
            flushClient()
        case .shutdownClientOutput:
            shutdownClientOutputAfterFlush()
        case .finishBoth(let limit):
            nodeLink?.finish(within: limit)
            closeClientAfterFlush()
        case .pauseClientReads:
            setClientReading(false)
        case .resumeClientReads:
            setClientReading(true)
        case .setNodeReading(let enabled):
            nodeLink?.setReading(enabled)
        case .close(let reason):
            log(reason)
            spool.release()
            nodeLink?.close()
            closeClientNow()
        case .closeAfterFlush:
            closeClientAfterFlush()
        case .spoolBody(let bytes):
            if let error = spool.append(bytes) {
                perform(machine.spoolFailed(error.description))
            } else {
                perform(machine.bodySpooled())
            }
        case .sendSpooled(let offset, let length):
            sendSpooled(offset: offset, length: length)
        }
    }

    /// Sends chunks of the spool file while the node's link takes them, then carries out the
    /// machine's next step (a flush, the held client bytes, or a failure's close).
    private func sendSpooled(offset: Int, length: Int) {
        session.state = .relaying
        guard let link = nodeLink else { return }
        let next = spool.send(
            offset: offset, length: length, to: link,
            chunk: { (action: StreamConnectionStateMachine.Action) in
                if case .sendSpooled(let offset, let length) = action { (offset, length) } else { nil }
            },
            sent: { machine.spooledChunkSent(writable: $0) }, failed: { machine.spoolFailed($0) })
        if !machine.isSendingSpool { spool.release() }
        perform(next)
    }

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
                session.state = .connecting
                connect(firstBytes, to: target.endpoint)
            } else {
                perform(action)
            }
        case .refused(let reason):
            perform(machine.routed(.refused(reason)))
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

    /// The node closed (or half-closed) before its first response byte while the whole fast
    /// router request is held: the policy treats it as a failed connect (see
    /// `RoutingPolicy.connectFailed`) and the request goes to the next node.
    func retry(_ cause: RetryCause) {
        guard cause == .closedBeforeResponse, let failed = lease else { return }
        lease = nil
        nodeLink?.abandon()
        dropLink()
        session.state = .connecting
        plane.logger.notice("node closed before answering, retrying", metadata: ["node": "\(session.node?.name ?? "-")"])
        routed(plane.policy.connectFailed(failed, error: UpstreamClosedBeforeResponse()))
    }

    /// Logs why a connection ended.
    func log(_ reason: StreamConnectionStateMachine.CloseReason) {
        let logger = plane.logger
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
        case .greetingTooLong(let limit):
            logger.warning("--rawrouter-xclient: the node's greeting line is over \(limit) bytes", metadata: ["node": "\(session.node?.name ?? "-")"])
        case .spoolFailed(let why):
            logger.error("closing client: \(why)", metadata: client)
        case .bodyIncomplete:
            logger.info("closing client: the request body did not arrive whole (post-buffering)", metadata: client)
        case .clientLeftBeforePacket:
            break
        }
    }

    func upstreamConnected(_ link: any UpstreamLink) {
        guard let lease else { return }
        plane.policy.connected(lease)
        let action = machine.upstreamConnected(writable: link.isWritable)
        if case .closeNode = action {
            link.close()
            return
        }
        adopt(link)
        perform(action)
    }

    func upstreamConnectFailed(_ error: any Error) {
        guard let failed = lease else { return }
        lease = nil
        plane.logger.notice("unable to connect() to node", metadata: ["node": "\(session.node?.name ?? "-")", "error": "\(error)"])
        let decision = plane.policy.connectFailed(failed, error: error)
        guard isClientOpen, case .retryOnNextNode = machine.upstreamConnectFailed() else {
            plane.discard(decision)
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
        dropLink()
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
