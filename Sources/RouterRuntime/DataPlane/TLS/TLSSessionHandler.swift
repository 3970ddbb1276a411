import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// The TLS handler's neighbour on the machine's side: runs the handshake deadline, holds
/// `channelActive` (and every event) from the connection machine's handler until the
/// connection is ready, then gives it the facts of the handshake (`ClientLayerFacts`) and
/// activates it. A connection that never got ready is counted and closed, and the machine
/// behind never hears of it.
final class TLSSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connection: TLSAcceptConnection
    private var timer: Scheduled<Void>?

    init(connection: TLSAcceptConnection) {
        self.connection = connection
    }

    func channelActive(context: ChannelHandlerContext) {
        perform(connection.machine.start(now: .now()), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        if case .forward = connection.machine.closed() { context.fireChannelInactive() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch connection.machine.decryptedRead() {
        case .forward:
            context.fireChannelRead(data)
        case .activateAndForward:
            activate(context: context)
            context.fireChannelRead(data)
        default:
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            perform(connection.machine.handshakeCompleted(now: .now()), context: context)
            return
        }
        if event is RouterStopEvent {
            perform(connection.machine.stopRequested(), context: context, forward: event)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        perform(connection.machine.errorCaught("\(error)"), context: context, forwardError: error)
    }

    private func perform(
        _ action: TLSAcceptStateMachine.Action, context: ChannelHandlerContext, forward event: Any? = nil, forwardError: (any Error)? = nil
    ) {
        switch action {
        case .armTimer(let deadline):
            timer?.cancel()
            timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
                guard let self else { return }
                self.timer = nil
                self.perform(self.connection.machine.deadlineFired(), context: context)
            }
        case .activate:
            activate(context: context)
        case .forward:
            if let event { context.fireUserInboundEventTriggered(event) }
            if let forwardError { context.fireErrorCaught(forwardError) }
        case .close(let refusal):
            timer?.cancel()
            timer = nil
            connection.record(refusal, client: context.remoteAddress)
            context.close(promise: nil)
        case .none, .waitForMore, .answerPlaintext, .startTLS, .activateAndForward:
            break
        }
    }

    /// Hands the machine behind the handshake's facts, then starts it.
    private func activate(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        connection.layer.counters.handshakes.add(1, ordering: .relaxed)
        let tls = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
        let handshake = TLSLayer.Handshake(serverName: connection.serverName, peerCertificate: tls?.peerCertificate)
        context.fireUserInboundEventTriggered(connection.layer.facts(handshake))
        context.fireChannelActive()
    }
}
