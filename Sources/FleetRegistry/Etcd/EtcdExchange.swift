import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 POST to the gateway on a new connection, its response body delivered as
/// JSON messages on `messages`.
///
/// The stream ends when the response does; it fails when the connection breaks first, the
/// status is not 200, a message is too large, or the connect deadline passes. Cancelling the
/// consumer closes the connection.
enum EtcdExchange {
    /// Why an exchange failed.
    enum Failure: Error, Sendable, Hashable {
        /// The endpoint could not be reached (refused, unresolvable, connect deadline).
        case unreachable(String)
        /// The connection broke before the response ended.
        case broken(String)
        /// The gateway answered with an error status; `code` is the gRPC code when given.
        case status(Int, code: Int?, message: String)
        /// A message exceeded the size limit.
        case tooLarge(Int)
    }

    /// Largest single JSON message accepted.
    static let messageLimit = 8 * 1024 * 1024

    static func start(
        endpoint: RegistryEndpoint, path: String, body: ByteBuffer, authorization: String?,
        connectTimeout: Duration, group: any EventLoopGroup
    ) -> AsyncThrowingStream<ByteBuffer, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self, throwing: (any Error).self)
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: endpoint.hostHeader)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        EtcdResponseHandler(head: head, body: body, continuation: continuation))
                }
            }
        let connecting: EventLoopFuture<any Channel>
        switch endpoint {
        case let .tcp(host, port):
            if let literal = try? SocketAddress(ipAddress: host, port: Int(port)) {
                connecting = bootstrap.connect(to: literal)
            } else {
                connecting = bootstrap.connect(host: host, port: Int(port))
            }
        case let .unix(path):
            connecting = bootstrap.connect(unixDomainSocketPath: path)
        }
        connecting.whenComplete { result in
            switch result {
            case .success(let channel):
                continuation.onTermination = { _ in channel.close(promise: nil) }
            case .failure(let error):
                continuation.finish(throwing: Failure.unreachable("\(endpoint): \(describe(error))"))
            }
        }
        return stream
    }

    static func describe(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return "connect timed out" }
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            return describe(first.error)
        }
        return String(describing: error)
    }
}

/// Sends the request once the connection is up and turns the response into messages.
private final class EtcdResponseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let head: HTTPRequestHead
    private let body: ByteBuffer
    private let continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation
    private var splitter = EtcdMessageSplitter(limit: EtcdExchange.messageLimit)
    private var status: HTTPResponseStatus?
    private var errorBody = ByteBuffer()
    private var finished = false

    init(head: HTTPRequestHead, body: ByteBuffer, continuation: AsyncThrowingStream<ByteBuffer, any Error>.Continuation) {
        self.head = head
        self.body = body
        self.continuation = continuation
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        switch unwrapInboundIn(data) {
        case .head(let response):
            status = response.status
        case .body(var bytes):
            guard status == .ok else {
                if errorBody.readableBytes < 64 * 1024 { errorBody.writeBuffer(&bytes) }
                return
            }
            do {
                for message in try splitter.append(bytes) { continuation.yield(message) }
            } catch {
                finish(throwing: EtcdExchange.Failure.tooLarge(error.limit), context: context)
            }
        case .end:
            if let status, status != .ok {
                let parsed = try? JSONDecoder().decode(GatewayError.self, from: Data(errorBody.readableBytesView))
                let text = parsed?.message ?? parsed?.error ?? String(decoding: errorBody.readableBytesView.prefix(300), as: UTF8.self)
                finish(throwing: EtcdExchange.Failure.status(Int(status.code), code: parsed?.code, message: text), context: context)
                return
            }
            if let last = splitter.finish() { continuation.yield(last) }
            finish(throwing: nil, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !finished {
            finished = true
            continuation.finish(throwing: EtcdExchange.Failure.broken("the connection closed before the response ended"))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(throwing: EtcdExchange.Failure.broken(EtcdExchange.describe(error)), context: context)
    }

    private func finish(throwing error: (any Error)?, context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}
