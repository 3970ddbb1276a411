import Logging
import NIOCore
import NIOHTTP1
import RouterCore

/// One admin API connection on NIOHTTP1's server pipeline: sizes and authorises each request,
/// refuses what it must itself (400, 401, 403, 405, 413, with JSON bodies and without calling
/// the handler), passes the rest to the `AdminHandler`, and logs every edit.
final class AdminHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Methods the API knows; others get 405.
    static let knownMethods: [HTTPMethod] = [.GET, .HEAD, .POST, .PUT, .PATCH, .DELETE]

    private enum State {
        case idle
        /// Reading the body of a request that will reach the handler.
        case receiving(HTTPRequestHead, ByteBuffer, authenticated: Bool)
        /// Reading (and dropping) the body of a request refused at its head; `dropped` bytes so
        /// far, capped like an accepted body.
        case refusing(HTTPRequestHead, HTTPResponseStatus, String, dropped: Int)
        /// The handler or the response write is in progress.
        case responding
        /// A response with `Connection: close` was sent; ignore everything.
        case closing
        /// A streamed answer (`GET /v1/watch`) is being written; ignore everything until it ends.
        case streaming(AdminStream)
    }

    /// A watcher that has read nothing for this long (every frame skipped because its socket
    /// buffer stayed full) is closed.
    static let streamStallLimit = Duration.seconds(30)

    private let handler: any AdminHandler
    private let token: AdminToken?
    private let bodyLimit: Int
    private let unixSocketPath: String?
    private let logger: Logger
    private var state = State.idle
    private var privatePeer = false
    private var peer = "unknown"
    private var quiescing = false

    private let publicReads: Bool
    private var identified = false
    /// The task handling the request in progress, cancelled if the connection closes first.
    private var handling: Task<Void, Never>?
    /// The next frame of a streamed answer.
    private var nextFrame: Scheduled<Void>?
    private var frames = WatchFrames()
    /// Frames skipped in a row because the watcher's socket buffer was full.
    private var skippedFrames = 0

    init(
        handler: any AdminHandler, token: AdminToken?, bodyLimit: Int, unixSocketPath: String?, logger: Logger,
        publicReads: Bool = false
    ) {
        self.publicReads = publicReads
        self.handler = handler
        self.token = token
        self.bodyLimit = bodyLimit
        self.unixSocketPath = unixSocketPath
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { identifyPeer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        identifyPeer(context: context)
        context.fireChannelActive()
    }

    /// Nobody waits for the answer any more (the processing deadline closed the connection, or
    /// the peer left): a handler that honours cancellation stops, rather than holding this
    /// connection, its loop and its task alive for as long as it takes. Edits do not await, so
    /// one that began is applied and saved whole.
    ///
    /// A watch stream ends too: a document that was being read when the peer left finds the
    /// stream over and schedules no next frame (it did, and the frames went on every interval
    /// on a closed connection until the loop shut down).
    func channelInactive(context: ChannelHandlerContext) {
        handling?.cancel()
        handling = nil
        nextFrame?.cancel()
        nextFrame = nil
        state = .closing
        context.fireChannelInactive()
    }

    private func identifyPeer(context: ChannelHandlerContext) {
        guard !identified else { return }
        identified = true
        if case .unixDomainSocket? = context.channel.localAddress {
            peer = unixSocketPath.map { "unix:\($0)" } ?? "unix"
            // Trusted by who the kernel says the peer is (this user or root), not by the
            // socket file's mode, which another process could have changed since bind.
            PeerCredentials.of(context.channel).assumeIsolated().whenSuccess { credentials in
                self.privatePeer = credentials?.isSameUserOrRoot ?? false
                if let credentials { self.peer += " (\(credentials))" }
            }
        } else if let remote = context.channel.remoteAddress {
            peer = "\(remote.ipAddress ?? "?"):\(remote.port ?? 0)"
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            receiveHead(head, context: context)
        case (.body(var chunk), .receiving(let head, var body, let authenticated)):
            guard body.readableBytes + chunk.readableBytes <= bodyLimit else {
                refuseNow(context: context, head: head, status: .payloadTooLarge, message: "request body exceeds \(bodyLimit) bytes")
                return
            }
            body.writeBuffer(&chunk)
            state = .receiving(head, body, authenticated: authenticated)
        case (.end, .receiving(let head, let body, let authenticated)):
            dispatch(context: context, head: head, body: body, authenticated: authenticated)
        case (.body(let chunk), .refusing(let head, let status, let message, let dropped)):
            // A refused body is not read without end either: past the cap, answer and close.
            let total = dropped + chunk.readableBytes
            guard total <= bodyLimit else {
                refuseNow(context: context, head: head, status: status, message: message)
                return
            }
            state = .refusing(head, status, message, dropped: total)
        case (.end, .refusing(let head, let status, let message, _)):
            respondWithError(context: context, head: head, status: status, message: message, close: !head.isKeepAlive)
        default:
            break // body of a refused request, or anything after a closing response
        }
    }

    private func receiveHead(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard Self.knownMethods.contains(head.method) else {
            state = .refusing(head, .methodNotAllowed, "method \(head.method.rawValue) is not supported", dropped: 0)
            return
        }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > bodyLimit {
            refuseNow(context: context, head: head, status: .payloadTooLarge, message: "request body of \(length) bytes exceeds \(bodyLimit)")
            return
        }
        let decision = AdminAuthorization.decide(
            method: head.method,
            authorization: head.headers.first(name: "authorization"),
            token: token,
            privateUnixPeer: privatePeer,
            path: Self.split(head.uri).0,
            publicReads: publicReads
        )
        switch decision {
        case .allow(let authenticated):
            state = .receiving(head, context.channel.allocator.buffer(capacity: 0), authenticated: authenticated)
        case .unauthorized:
            logRefusal(head, status: .unauthorized)
            state = .refusing(head, .unauthorized, "this edit needs Authorization: Bearer <token>", dropped: 0)
        case .forbidden:
            logRefusal(head, status: .forbidden)
            state = .refusing(head, .forbidden, "the bearer token does not match", dropped: 0)
        }
    }

    /// Answers at once and closes: the rest of an oversize body is never read.
    private func refuseNow(context: ChannelHandlerContext, head: HTTPRequestHead, status: HTTPResponseStatus, message: String) {
        respondWithError(context: context, head: head, status: status, message: message, close: true)
    }

    private func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer, authenticated: Bool) {
        state = .responding
        let (path, query) = Self.split(head.uri)
        let call = AdminCall(method: head.method, path: path, query: query, body: body, peer: peer, authenticated: authenticated)
        let handler = self.handler
        // The request arrived in time: from here on the deadline is the server's own.
        context.triggerUserOutboundEvent(AdminDeadlineHandler.RequestReceived(), promise: nil)
        let promise = context.eventLoop.makePromise(of: AdminReply.self)
        handling = Task { promise.succeed(await handler.handle(call)) }
        promise.futureResult.assumeIsolated().whenSuccess { response in
            self.handling = nil
            if call.isEdit {
                self.logger.info("admin edit", metadata: [
                    "time": "\(LogTimestamp.now())",
                    "peer": "\(call.peer)",
                    "request": "\(head.method.rawValue) \(head.uri)",
                    "status": "\(response.status.code)",
                    "result": "\(response.summary)",
                ])
            }
            if let stream = response.stream, response.status == .ok, head.method == .GET {
                self.startStream(stream, context: context, head: head)
            } else {
                self.write(context: context, head: head, response: response, close: !head.isKeepAlive)
            }
        }
    }

    /// Writes the head of a streamed answer, then a frame every interval (see `AdminStream`).
    private func startStream(_ stream: AdminStream, context: ChannelHandlerContext, head request: HTTPRequestHead) {
        guard !quiescing else {
            state = .closing
            context.close(promise: nil)
            return
        }
        state = .streaming(stream)
        frames = WatchFrames(deltas: stream.deltas)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-ndjson")
        headers.add(name: "Cache-Control", value: "no-store")
        // No length: chunked on HTTP/1.1, until close on HTTP/1.0.
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: .ok, headers: headers))), promise: nil)
        context.triggerUserOutboundEvent(AdminDeadlineHandler.Streaming(), promise: nil)
        sendFrame(context: context)
    }

    /// Asks the stream for its document and makes its line (off the loop), writes the line
    /// unless the watcher is not reading (then the frame is skipped, and a watcher that reads
    /// nothing for `streamStallLimit` is closed), and schedules the next.
    private func sendFrame(context: ChannelHandlerContext) {
        guard case .streaming(let stream) = state else { return }
        let promise = context.eventLoop.makePromise(of: (ByteBuffer, WatchFrames).self)
        let frames = self.frames
        handling = Task {
            do {
                let document = try await stream.next()
                var after = frames
                let line = after.line(for: document)
                promise.succeed((line, after))
            } catch {
                promise.fail(error)
            }
        }
        promise.futureResult.assumeIsolated().whenComplete { result in
            self.handling = nil
            guard case .streaming = self.state else { return }
            switch result {
            case .success(let (line, after)):
                if context.channel.isWritable {
                    self.skippedFrames = 0
                    // The frames move on only with a line the watcher gets.
                    self.frames = after
                    context.writeAndFlush(self.wrapOutboundOut(.body(.byteBuffer(line))), promise: nil)
                } else {
                    self.skippedFrames += 1
                    if stream.interval * self.skippedFrames >= Self.streamStallLimit {
                        self.logger.notice("admin watch closed: the watcher read nothing", metadata: [
                            "peer": "\(self.peer)", "seconds": "\(Self.streamStallLimit.components.seconds)",
                        ])
                        self.endStream(context: context)
                        return
                    }
                }
                self.nextFrame = context.eventLoop.assumeIsolated().scheduleTask(in: Self.untilNextFrame(every: stream.interval)) {
                    self.sendFrame(context: context)
                }
            case .failure(let error):
                self.logger.warning("admin watch ended: the document could not be read", metadata: [
                    "peer": "\(self.peer)", "error": "\(error)",
                ])
                self.endStream(context: context)
            }
        }
    }

    /// The time to the next whole multiple of `interval` on the wall clock. Every watch of
    /// every router whose clock is synchronised then writes its line at the same instants, so a
    /// watcher of a thousand routers wakes once for many lines, not once for each (the lines
    /// of watches started at different times would otherwise arrive spread over the interval).
    /// `now`: nanoseconds since the epoch (the wall clock's when nil).
    static func untilNextFrame(every interval: Duration, now: Int64? = nil) -> TimeAmount {
        let period = max(1, TimeAmount(interval).nanoseconds)
        let wall = now ?? SystemRouterClock().now().nanosecondsSinceEpoch
        let remainder = wall % period
        return .nanoseconds(period - (remainder < 0 ? remainder + period : remainder))
    }

    /// Ends a streamed answer and the connection.
    private func endStream(context: ChannelHandlerContext) {
        nextFrame?.cancel()
        nextFrame = nil
        state = .closing
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func respondWithError(context: ChannelHandlerContext, head: HTTPRequestHead?, status: HTTPResponseStatus, message: String, close: Bool) {
        let body = handler.errorBody(status: status, message: message, allocator: context.channel.allocator)
        var response = AdminReply(status: status, body: body, summary: message)
        if status == .unauthorized { response.contentType = "application/json" }
        write(context: context, head: head, response: response, close: close)
    }

    private func write(context: ChannelHandlerContext, head request: HTTPRequestHead?, response: AdminReply, close: Bool) {
        let closing = close || quiescing
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(response.body.readableBytes)")
        headers.add(name: "Connection", value: closing ? "close" : "keep-alive")
        if response.status == .unauthorized { headers.add(name: "WWW-Authenticate", value: "Bearer") }
        if response.status == .methodNotAllowed { headers.add(name: "Allow", value: "GET, HEAD, POST, PUT, PATCH, DELETE") }
        let version = request?.version ?? .http1_1
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))), promise: nil)
        if request?.method != .HEAD, response.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        state = closing ? .closing : .idle
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if closing {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            // The answer is out: the request deadline ends and the idle limit starts.
            written.assumeIsolated().whenSuccess { _ in
                context.triggerUserOutboundEvent(AdminDeadlineHandler.ResponseSent(), promise: nil)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch state {
        case .idle, .receiving, .refusing:
            if error is HTTPParserError {
                respondWithError(context: context, head: nil, status: .badRequest, message: "malformed HTTP request: \(error)", close: true)
            } else {
                context.close(promise: nil)
            }
        case .responding, .closing, .streaming:
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is AdminDeadlineHandler.EndStream:
            quiescing = true
            if case .streaming = state { endStream(context: context) }
        case is ChannelShouldQuiesceEvent:
            quiescing = true
            switch state {
            case .idle: context.close(promise: nil)
            case .streaming: endStream(context: context)
            default: break
            }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func logRefusal(_ head: HTTPRequestHead, status: HTTPResponseStatus) {
        logger.notice("admin edit refused", metadata: [
            "time": "\(LogTimestamp.now())",
            "peer": "\(peer)",
            "request": "\(head.method.rawValue) \(head.uri)",
            "status": "\(status.code)",
        ])
    }

    /// Splits a request target into path and query.
    static func split(_ uri: String) -> (String, String?) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, nil) }
        return (String(uri[..<mark]), String(uri[uri.index(after: mark)...]))
    }
}
