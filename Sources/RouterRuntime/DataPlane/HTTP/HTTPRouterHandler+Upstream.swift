import Logging
import NIOCore

extension HTTPRouterHandler: UpstreamDelegate {
    func upstreamConnected(_ link: any UpstreamLink) {
        guard let lease else { return }
        shared.plane.policy.connected(lease)
        let action = machine.upstreamConnected(writable: link.isWritable)
        if case .closeNode = action {
            link.close()  // the client left while we were connecting
            return
        }
        self.link = link
        perform(action)
    }

    func upstreamConnectFailed(_ error: any Error) {
        guard let failed = lease else { return }
        lease = nil
        if !logger.logLevel.isQuiet {
            logger.notice("unable to connect() to node", metadata: ["node": "\(session.node?.name ?? "-")", "error": "\(error)"])
        }
        let decision = shared.plane.policy.connectFailed(failed, error: error)
        guard context != nil, case .retryOnNextNode = machine.upstreamConnectFailed() else {
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
        let action = machine.upstreamClosed(now: .now())
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

extension Logger.Level {
    /// Whether connect failures should stay out of the log (`--xxx-quiet`).
    var isQuiet: Bool { self > .notice }
}
