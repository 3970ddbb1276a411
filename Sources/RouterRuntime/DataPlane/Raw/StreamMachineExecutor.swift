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
    /// Keeps the link the node accepted.
    func adopt(_ link: any UpstreamLink)
    /// Forgets the node link (it closed or was abandoned).
    func dropLink()
    /// Carries out one action of the machine.
    func performAction(_ action: consuming StreamConnectionStateMachine.Action)
    /// Connects to the node, sending `firstBytes` first; events come back as `UpstreamDelegate`.
    func connect(_ firstBytes: ByteBuffer, to endpoint: NodeEndpoint)
}

extension StreamMachineExecutor {
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
                performAction(action)
            }
        case .refused(let reason):
            performAction(machine.routed(.refused(reason)))
        }
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
        performAction(action)
    }

    func upstreamConnectFailed(_ error: any Error) {
        guard let failed = lease else { return }
        lease = nil
        plane.logger.notice("unable to connect() to node", metadata: ["node": "\(session.node?.name ?? "-")", "error": "\(error)"])
        let decision = plane.policy.connectFailed(failed, error: error)
        guard isClientOpen, case .retryOnNextNode = machine.upstreamConnectFailed() else {
            if case .node(let target) = decision { plane.policy.finished(target.lease, bytesFromNode: 0, bytesToNode: 0) }
            return
        }
        routed(decision)
    }

    func upstreamRead(_ bytes: ByteBuffer) {
        performAction(machine.upstreamRead(bytes))
    }

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
        let action = machine.upstreamClosed()
        if case .retryOnNextNode = action {
            performAction(action)
            return
        }
        if let lease {
            plane.policy.finished(lease, bytesFromNode: fromNode, bytesToNode: toNode)
            self.lease = nil
        }
        performAction(action)
    }
}
