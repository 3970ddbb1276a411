import Logging
import NIOCore
import NIOHTTP1

/// Serves one stats connection: raw mode writes the document at once; HTTP mode waits for a
/// request head (and no more) and answers with a complete HTTP/1.1 response. Either way the
/// server then half-closes and lets the peer close.
///
/// Each phase has its own deadline. The peer's phases (sending a head, reading the answer and
/// closing) get the socket timeout, so a peer that never sends or never reads is dropped. The
/// server's own phase (producing the document) gets the production timeout instead: on a
/// loaded machine producing it can outlast the socket timeout, and the peer, which did nothing
/// wrong, must then still get its answer rather than a bare close.
final class StatsConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    enum Mode {
        case raw
        case http
    }

    private enum State {
        case waitingForHead
        case responding
        case done
    }

    private let mode: Mode
    private let source: any StatsSource
    private let timeout: TimeAmount
    private let productionTimeout: TimeAmount
    private let logger: Logger
    private var state = State.waitingForHead
    private var deadline: Scheduled<Void>?
    /// The task producing the document, cancelled if the connection closes first.
    private var producing: Task<Void, Never>?

    init(mode: Mode, source: any StatsSource, timeout: TimeAmount, productionTimeout: TimeAmount, logger: Logger) {
        self.mode = mode
        self.source = source
        self.timeout = timeout
        self.productionTimeout = productionTimeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    /// The connection closed (the production deadline, or the peer left): a source that
    /// honours cancellation stops producing a document nobody will read.
    func channelInactive(context: ChannelHandlerContext) {
        producing?.cancel()
        producing = nil
        context.fireChannelInactive()
    }

    private func start(context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        // The peer's phase: send a head (raw mode goes straight on to producing).
        arm(timeout, context: context, expired: nil)
        if mode == .raw { respond(context: context, head: nil) }
    }

    /// Replaces the running deadline with one `amount` from now that closes the connection,
    /// logging `expired` first if given; a connection already closed gets none.
    private func arm(_ amount: TimeAmount, context: ChannelHandlerContext, expired: String?) {
        deadline?.cancel()
        guard context.channel.isActive else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let logger = self.logger
        deadline = context.eventLoop.scheduleTask(in: amount) {
            if let expired { logger.warning("\(expired); closing the stats connection") }
            loopBound.value.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .waitingForHead = state, mode == .http else { return }
        if case .head(let head) = unwrapInboundIn(data) {
            respond(context: context, head: head)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard case .waitingForHead = state else { return }
        // Not HTTP: say so briefly rather than leave the peer guessing.
        state = .done
        logger.debug("stats client sent a malformed request", metadata: ["error": "\(error)"])
        var buffer = context.channel.allocator.buffer(capacity: 96)
        buffer.writeString("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        finish(context: context, bytes: buffer)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, case .waitingForHead = state, mode == .http {
            state = .done
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead?) {
        state = .responding
        // The server's own phase: how long producing takes says nothing about the peer.
        arm(productionTimeout, context: context, expired: "the stats document was not produced within \(productionTimeout)")
        let source = self.source
        let promise = context.eventLoop.makePromise(of: ByteBuffer.self)
        producing = Task {
            do { promise.succeed(try await source.encodedStats()) } catch { promise.fail(error) }
        }
        promise.futureResult.assumeIsolated().whenComplete { result in
            self.producing = nil
            switch result {
            case .success(let document):
                let bytes: ByteBuffer
                if self.mode == .http {
                    bytes = Self.httpResponse(document, includeBody: head?.method != .HEAD, allocator: context.channel.allocator)
                } else {
                    bytes = document
                }
                self.state = .done
                // The peer's phase again: read the answer and close.
                self.arm(self.timeout, context: context, expired: nil)
                self.finish(context: context, bytes: bytes)
            case .failure(let error):
                // A production cancelled because the connection closed failed no one.
                if context.channel.isActive {
                    self.logger.error("stats source failed; closing the stats connection", metadata: ["error": "\(error)"])
                }
                self.state = .done
                context.close(promise: nil)
            }
        }
    }

    /// Writes `bytes`, then half-closes: closing fully while request bytes sit unread would
    /// make the kernel send RST, which can destroy the response before the peer reads it.
    private func finish(context: ChannelHandlerContext, bytes: ByteBuffer) {
        context.writeAndFlush(wrapOutboundOut(bytes)).assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
    }

    /// The complete HTTP/1.1 response around a stats document.
    static func httpResponse(_ document: ByteBuffer, includeBody: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(document.readableBytes)\r\n"
            + "Connection: close\r\nAccess-Control-Allow-Origin: *\r\n\r\n"
        var buffer = allocator.buffer(capacity: head.utf8.count + document.readableBytes)
        buffer.writeString(head)
        if includeBody { buffer.writeImmutableBuffer(document) }
        return buffer
    }
}
