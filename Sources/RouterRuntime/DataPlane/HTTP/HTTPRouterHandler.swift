import Logging
import NIOCore
import RouterWire

/// Per-listener constants of an HTTP router, computed once.
final class HTTPListenerShared: Sendable {
    let options: HTTPRouterOptions
    let plane: DataPlane
    /// SERVER_PORT: the port part of the listener address as configured.
    let serverPort: String
    /// The key of requests without a Host header (uWSGI: the hostname).
    let defaultKey: ByteBuffer

    init(options: HTTPRouterOptions, plane: DataPlane, serverPort: String) {
        self.options = options
        self.plane = plane
        self.serverPort = serverPort
        self.defaultKey = ByteBuffer(string: options.serverName)
    }
}

/// One HTTP client connection: reads request heads, turns each into a uwsgi packet, routes it
/// through the policy, streams the body to the node with backpressure, relays the response
/// (keep-alive rules of §5.1) and answers 400/408/431/502/503 where uWSGI would just close.
final class HTTPRouterHandler: ChannelDuplexHandler, WatchdogTarget {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum State { case head, connecting, body, awaitingResponse, raw, closing }
    enum ResponseMode { case scanning, passthrough, chunked }

    let shared: HTTPListenerShared
    var context: ChannelHandlerContext?
    var state = State.head
    /// Head bytes received so far (and, while connecting, nothing else).
    var inbound = ByteBuffer()
    /// Bytes of `inbound` already searched for the end of the head.
    var scanned = 0
    var parser: HTTPHeadParser
    /// The vars that are the same for every request on this connection, encoded on connect.
    var connectionVars: HTTPConnectionVars?
    var remoteAddress: SocketAddress?
    var session = SessionRecord(client: nil)
    var watchdog = Watchdog()
    var headDeadline = NIODeadline.distantFuture
    var activity = false
    var stopping = false
    // Client read gating, for backpressure towards the node.
    var readGate = ReadGate()

    // The current request.
    /// The uwsgi packet; while `replayable`, also every body byte sent after it.
    var packet = ByteBuffer()
    /// Whether `packet` holds the whole request sent so far, so that a node closing before
    /// its first response byte can be retried (bodies up to `DataPlane.replayLimit`).
    var replayable = false
    /// The current request's method is idempotent (see `DataPlane.isIdempotent`).
    var idempotent = false
    var lease: RouteLease?
    var link: (any UpstreamLink)?
    var bodyRemaining = 0
    var pendingBody = ByteBuffer()
    var raw = false
    var keepAlive = false
    var isHEAD = false
    var toNode: UInt64 = 0
    var fromNode: UInt64 = 0
    var responseMode = ResponseMode.passthrough
    var responseHead = ByteBuffer()
    var responseBodyRemaining: Int?

    init(shared: HTTPListenerShared) {
        self.shared = shared
        self.parser = HTTPHeadParser(maximumHeadSize: shared.options.maxHeadSize)
    }

    var logger: Logger { shared.plane.logger }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        remoteAddress = context.channel.remoteAddress
        do {
            connectionVars = try HTTPConnectionVars(
                serverName: shared.options.serverName,
                serverPort: shared.serverPort,
                remoteAddress: remoteAddress?.ipAddress ?? "",
                remotePort: remoteAddress?.port.map(String.init) ?? ""
            )
        } catch {
            logger.error("cannot encode the connection's uwsgi vars: \(error)")
            context.close(promise: nil)
        }
        session = shared.plane.sessions.open(on: context.eventLoop, client: remoteAddress, local: context.channel.localAddress)
        startHeadDeadline()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closing
        session.state = .closed
        watchdog.cancel()
        link?.close()
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("http client error", metadata: ["client": "\(session.clientName)", "error": "\(error)"])
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RouterStopEvent {
            stopping = true
            keepAlive = false
            if state == .head, inbound.readableBytes == 0 { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        readGate.read(context)
    }

    func pauseReading() {
        readGate.close()
    }

    func resumeReading() {
        readGate.open(context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { link?.setReading(true) }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        session.rx &+= UInt64(bytes.readableBytes)
        switch state {
        case .head:
            if inbound.readableBytes == 0 { inbound = bytes } else { inbound.writeBuffer(&bytes) }
            processHead(context: context)
        case .connecting:
            activity = true
            if raw || bodyRemaining > 0 {
                let take = raw ? bytes.readableBytes : min(bodyRemaining, bytes.readableBytes)
                if !raw {
                    bodyRemaining -= take
                    if take < bytes.readableBytes { keepAlive = false }
                }
                if var slice = bytes.readSlice(length: take) { pendingBody.writeBuffer(&slice) }
                // Bytes beyond a watermark wait in the socket, not in memory.
                if pendingBody.readableBytes >= 65536 { pauseReading() }
            } else {
                holdNextRequest(&bytes)
            }
        case .body:
            activity = true
            let take = min(bodyRemaining, bytes.readableBytes)
            if take < bytes.readableBytes { keepAlive = false }
            guard let link, let slice = bytes.readSlice(length: take) else { return }
            if replayable { packet.writeImmutableBuffer(slice) }
            link.write(slice)
            toNode &+= UInt64(take)
            bodyRemaining -= take
            if bodyRemaining == 0 { state = .awaitingResponse }
            if !link.isWritable { pauseReading() }
        case .raw:
            activity = true
            guard let link else { return }
            toNode &+= UInt64(bytes.readableBytes)
            link.write(bytes)
            if !link.isWritable { pauseReading() }
        case .awaitingResponse:
            holdNextRequest(&bytes)
        case .closing:
            break
        }
    }

    /// Keeps bytes a client sent before its response ended (it may read a Content-Length
    /// response to the end before the node's close reaches us); they are the next head.
    private func holdNextRequest(_ bytes: inout ByteBuffer) {
        guard keepAlive else { return }
        inbound.writeBuffer(&bytes)
        if inbound.readableBytes > shared.options.maxHeadSize { pauseReading() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if state == .body || state == .raw || state == .awaitingResponse { link?.flush() }
        context.fireChannelReadComplete()
    }

    // MARK: request head

    func processHead(context: ChannelHandlerContext) {
        guard let connectionVars else { return }
        // The zero-capacity buffer is shared: nothing is allocated until a whole head is written.
        packet = ByteBuffer()
        let head: HTTPRequestHead
        do {
            guard let parsed = try parser.parse(inbound, searched: scanned, connection: connectionVars, into: &packet) else {
                scanned = inbound.readableBytes
                return
            }
            head = parsed
        } catch .headTooLarge(_, let limit) {
            fail(HTTPErrorResponse.headTooLarge, why: "request head over \(limit) bytes")
            return
        } catch .packetTooLarge {
            fail(HTTPErrorResponse.headTooLarge, why: "request vars over 65535 bytes")
            return
        } catch {
            fail(HTTPErrorResponse.badRequest, why: "\(error)")
            return
        }
        scanned = 0
        let key = head.host.flatMap { inbound.getSlice(at: $0.lowerBound, length: $0.count) } ?? shared.defaultKey
        let method = head.method(in: inbound)
        let isHEAD = method.map { $0.elementsEqual("HEAD".utf8) } ?? false
        idempotent = method.map(DataPlane.isIdempotent) ?? false
        inbound.moveReaderIndex(forwardBy: head.headLength)
        startRequest(context: context, head: head, isHEAD: isHEAD, key: key)
    }

    private func startRequest(context: ChannelHandlerContext, head: HTTPRequestHead, isHEAD: Bool, key: ByteBuffer) {
        let options = shared.options
        raw = (options.websockets && head.isWebSocketUpgrade) || head.hasTransferEncoding
        keepAlive = options.keepalive && head.keepAliveAllowed && !raw && !stopping
        self.isHEAD = isHEAD
        bodyRemaining = raw ? 0 : head.contentLength ?? 0
        toNode = 0
        fromNode = 0
        state = .connecting
        session.state = .connecting
        session.key = key
        session.requests += 1
        activity = true
        // A pending fire (the head deadline) re-arms for the inactivity timeout when it runs.
        if !watchdog.isArmed {
            watchdog.arm(at: .now() + options.timeout, on: context.eventLoop, target: self)
        }

        switch shared.plane.policy.route(key: key, clientAddress: remoteAddress) {
        case .refused(let reason):
            refuse(reason, key: key)
        case .node(let target):
            applyModifiers(target)
            // Body bytes that came with the head travel in the same write as the packet.
            let available = inbound.readableBytes
            let take = raw ? available : min(bodyRemaining, available)
            if take > 0, var body = inbound.readSlice(length: take) {
                packet.writeBuffer(&body)
                if !raw { bodyRemaining -= take }
            }
            if !keepAlive { inbound.clear() }
            inbound.discardReadBytes()
            toNode = UInt64(packet.readableBytes)
            // Known up front from Content-Length: a request too big to keep is never copied.
            replayable = !raw && idempotent && packet.readableBytes + bodyRemaining <= DataPlane.replayLimit
            connect(target, context: context)
        }
    }

    /// Sets the packet's modifiers to the node's (or `--http-modifier1/2`).
    func applyModifiers(_ target: UpstreamTarget) {
        var modifier1 = shared.options.modifier1 != 0 ? shared.options.modifier1 : target.modifier1
        let modifier2 = shared.options.modifier2 != 0 ? shared.options.modifier2 : target.modifier2
        if modifier1 == 123 {
            // uWSGI's "raw body" pseudo-modifier: send 0 and relay the body blindly.
            modifier1 = 0
            raw = true
            keepAlive = false
        }
        UwsgiPacketEncoder.setModifiers(modifier1: modifier1, modifier2: modifier2, packetAt: packet.readerIndex, in: &packet)
    }

    /// Rewrites only the modifiers, for a retry on another node (the size is already set).
    func setModifiers(_ target: UpstreamTarget) {
        let modifier1 = shared.options.modifier1 != 0 ? shared.options.modifier1 : target.modifier1
        let modifier2 = shared.options.modifier2 != 0 ? shared.options.modifier2 : target.modifier2
        UwsgiPacketEncoder.setModifiers(
            modifier1: modifier1 == 123 ? 0 : modifier1, modifier2: modifier2, packetAt: packet.readerIndex, in: &packet
        )
    }

    func connect(_ target: UpstreamTarget, context: ChannelHandlerContext) {
        lease = target.lease
        session.node = target.endpoint
        shared.plane.connector.connect(
            to: target.endpoint,
            on: context.eventLoop,
            firstBytes: packet,
            options: UpstreamOptions(connectTimeout: shared.options.effectiveConnectTimeout),
            delegate: self
        )
    }

    // MARK: failures and timeouts

    func refuse(_ reason: RouteRefusal, key: ByteBuffer) {
        let keyText = String(decoding: key.readableBytesView, as: UTF8.self)
        if reason == .retriesExhausted {
            logger.warning("502: \(reason)", metadata: ["key": "\(keyText)", "client": "\(session.clientName)"])
            fail(HTTPErrorResponse.badGateway, why: nil)
        } else {
            logger.info("503: \(reason)", metadata: ["key": "\(keyText)", "client": "\(session.clientName)"])
            fail(HTTPErrorResponse.serviceUnavailable, why: nil)
        }
    }

    /// Answers with `response` and closes, logging `why` when given.
    func fail(_ response: ByteBuffer, why: String?) {
        if let why {
            logger.info("\(why)", metadata: ["client": "\(session.clientName)"])
        }
        state = .closing
        guard let context else { return }
        session.tx &+= UInt64(response.readableBytes)
        context.write(wrapOutboundOut(response), promise: nil)
        flushAndClose(context)
    }

    func startHeadDeadline() {
        guard let context else { return }
        headDeadline = .now() + shared.options.effectiveHeadersTimeout
        watchdog.arm(at: headDeadline, on: context.eventLoop, target: self)
    }

    func watchdogFired() {
        watchdog.fired()
        guard let context else { return }
        let now = NIODeadline.now()
        switch state {
        case .closing:
            return
        case .head:
            if now >= headDeadline {
                if inbound.readableBytes > 0 || session.requests == 0 {
                    fail(HTTPErrorResponse.requestTimeout, why: "request head not received within the headers timeout")
                } else {
                    context.close(promise: nil)  // an idle keep-alive connection
                }
                return
            }
            watchdog.arm(at: headDeadline, on: context.eventLoop, target: self)
        case .connecting, .body, .awaitingResponse, .raw:
            if activity {
                activity = false
                watchdog.arm(at: now + shared.options.timeout, on: context.eventLoop, target: self)
            } else {
                logger.info("session inactive for the timeout, closing", metadata: ["client": "\(session.clientName)"])
                state = .closing
                link?.close()
                context.close(promise: nil)
            }
        }
    }
}
