import Logging
import NIOCore
import RouterWire

/// One fast- or raw-router client connection: finds the key (the uwsgi packet's vars, or the
/// listener's name), connects the node through the policy, then relays bytes both ways
/// untouched, passing half-closes through (client shutdown(WR) → node shutdown(WR) and back).
final class StreamRelayHandler: ChannelDuplexHandler, UpstreamDelegate, WatchdogTarget {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// How the key is found.
    enum Mode {
        /// Raw router: the listener's name as configured; connect on accept.
        case raw(key: ByteBuffer)
        /// Fast router: from the client's uwsgi packet.
        case fast
    }

    private enum State { case sniffing, connecting, relaying, closing }

    private let mode: Mode
    private let options: StreamRouterOptions
    private let plane: DataPlane
    private var context: ChannelHandlerContext?
    private var state = State.sniffing
    private var inbound = ByteBuffer()
    private var packet = ByteBuffer()
    private var link: (any UpstreamLink)?
    private var lease: RouteLease?
    private var session = SessionRecord(client: nil)
    private var watchdog = Watchdog()
    private var activity = false
    private var clientInputClosed = false
    private var nodeInputClosed = false
    private var readGate = ReadGate()
    private var toNode: UInt64 = 0
    private var fromNode: UInt64 = 0
    /// Fast router: the request's length (packet + CONTENT_LENGTH body) when it fits within
    /// `DataPlane.replayLimit`, so it is kept for a retry; nil otherwise (and for raw).
    private var replayLength: Int?
    /// Everything sent to the node so far, while `replayLength` is set.
    private var sent = ByteBuffer()

    init(mode: Mode, options: StreamRouterOptions, plane: DataPlane) {
        self.mode = mode
        self.options = options
        self.plane = plane
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        session = plane.sessions.open(on: context.eventLoop, client: context.channel.remoteAddress, local: context.channel.localAddress)
        let first: TimeAmount
        if case .fast = mode { first = min(options.timeout, options.packetTimeout ?? options.timeout) } else { first = options.timeout }
        watchdog.arm(at: .now() + first, on: context.eventLoop, target: self)
        if case .raw(let key) = mode {
            route(key: key, context: context)
        }
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
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        readGate.read(context)
    }

    private func resumeReading() {
        readGate.open(context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { link?.setReading(true) }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        session.rx &+= UInt64(bytes.readableBytes)
        activity = true
        switch state {
        case .sniffing:
            if inbound.readableBytes == 0 { inbound = bytes } else { inbound.writeBuffer(&bytes) }
            // Decode a copy: the whole packet (header, vars, any body) is forwarded as received.
            var probe = inbound
            var decoder = UwsgiPacketDecoder(maximumVarBlockSize: options.maxVarBlock)
            let decoded: UwsgiPacket?
            do {
                decoded = try decoder.decodePacket(buffer: &probe)
            } catch {
                plane.logger.info("invalid uwsgi packet: \(error)", metadata: ["client": "\(session.clientName)"])
                state = .closing
                context.close(promise: nil)
                return
            }
            guard let decoded else { return }
            let bodyLength: Int
            do {
                bodyLength = try decoded.vars.contentLength() ?? 0
            } catch {
                plane.logger.info("invalid uwsgi packet: \(error)", metadata: ["client": "\(session.clientName)"])
                state = .closing
                context.close(promise: nil)
                return
            }
            // Both terms are bounded (u16 datasize, 18-digit body), so the sum cannot overflow.
            let requestLength = UwsgiHeader.size + Int(decoded.header.datasize) + bodyLength
            let idempotent = decoded.vars.value(for: "REQUEST_METHOD").map(DataPlane.isIdempotent) ?? false
            replayLength = idempotent && requestLength <= DataPlane.replayLimit ? requestLength : nil
            packet = inbound
            inbound = ByteBuffer()
            route(key: decoded.vars.routingKey() ?? ByteBuffer(), context: context)
        case .connecting:
            inbound.writeBuffer(&bytes)
            // Bytes beyond a watermark wait in the socket, not in memory.
            if inbound.readableBytes >= 65536 { readGate.close() }
        case .relaying:
            guard let link else { return }
            keepForReplay(bytes)
            toNode &+= UInt64(bytes.readableBytes)
            link.write(bytes)
            if !link.isWritable { readGate.close() }
        case .closing:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        link?.flush()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            clientInputClosed = true
            switch state {
            case .sniffing: context.close(promise: nil)
            case .relaying:
                link?.shutdownOutput()
                if nodeInputClosed { flushAndClose(context) }
            case .connecting, .closing: break
            }
            return
        }
        if event is RouterStopEvent { return }  // relays run to their end within the grace
        context.fireUserInboundEventTriggered(event)
    }

    private func route(key: ByteBuffer, context: ChannelHandlerContext) {
        session.key = key
        session.requests += 1
        switch plane.policy.route(key: key, clientAddress: session.client) {
        case .refused(let reason):
            plane.logger.info(
                "closing client: \(reason)",
                metadata: ["key": "\(String(decoding: key.readableBytesView, as: UTF8.self))"]
            )
            state = .closing
            context.close(promise: nil)
        case .node(let target):
            connect(target, context: context)
        }
    }

    private func connect(_ target: UpstreamTarget, context: ChannelHandlerContext) {
        state = .connecting
        session.state = .connecting
        session.node = target.endpoint
        lease = target.lease
        if case .fast = mode {
            // Bytes 0 and 3 of the client's header become the node's modifiers (§5.3 step 5).
            packet.setInteger(target.modifier1, at: packet.readerIndex)
            packet.setInteger(target.modifier2, at: packet.readerIndex + 3)
        }
        plane.connector.connect(
            to: target.endpoint,
            on: context.eventLoop,
            firstBytes: packet,
            options: UpstreamOptions(connectTimeout: options.timeout, allowHalfClosure: true),
            delegate: self
        )
    }

    // MARK: UpstreamDelegate

    func upstreamConnected(_ link: any UpstreamLink) {
        guard let lease else { return }
        plane.policy.connected(lease)
        guard state == .connecting else {
            link.close()
            return
        }
        self.link = link
        state = .relaying
        session.state = .relaying
        toNode &+= UInt64(packet.readableBytes + inbound.readableBytes)
        if replayLength != nil {
            sent = packet
            keepForReplay(inbound)
        }
        packet = ByteBuffer()
        if inbound.readableBytes > 0 {
            link.write(inbound)
            link.flush()
            inbound = ByteBuffer()
        }
        if clientInputClosed { link.shutdownOutput() }
        if link.isWritable { resumeReading() }
    }

    func upstreamConnectFailed(_ error: any Error) {
        guard let failed = lease else { return }
        lease = nil
        plane.logger.notice("unable to connect() to node", metadata: ["node": "\(session.node?.name ?? "-")", "error": "\(error)"])
        let decision = plane.policy.connectFailed(failed, error: error)
        guard state == .connecting, let context else {
            if case .node(let target) = decision { plane.policy.finished(target.lease, bytesFromNode: 0, bytesToNode: 0) }
            return
        }
        switch decision {
        case .node(let target):
            connect(target, context: context)
        case .refused(let reason):
            plane.logger.warning("closing client: \(reason)", metadata: ["node": "\(session.node?.name ?? "-")"])
            state = .closing
            context.close(promise: nil)
        }
    }

    func upstreamRead(_ bytes: ByteBuffer) {
        guard let context else { return }
        if replayLength != nil {
            // The node answered: no retry from here on, and the kept request can go.
            replayLength = nil
            sent = ByteBuffer()
        }
        activity = true
        fromNode &+= UInt64(bytes.readableBytes)
        session.tx &+= UInt64(bytes.readableBytes)
        context.write(wrapOutboundOut(bytes), promise: nil)
        if !context.channel.isWritable { link?.setReading(false) }
    }

    func upstreamReadComplete() {
        context?.flush()
    }

    func upstreamInputClosed() {
        if retryUnanswered() { return }
        nodeInputClosed = true
        guard let context else { return }
        if clientInputClosed {
            link?.close()
            flushAndClose(context)
        } else {
            flushAndClose(context, mode: .output)
        }
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        if writable { resumeReading() }
    }

    func upstreamClosed() {
        link = nil
        if retryUnanswered() { return }
        if let lease {
            plane.policy.finished(lease, bytesFromNode: fromNode, bytesToNode: toNode)
            self.lease = nil
        }
        guard state != .closing, let context else { return }
        state = .closing
        flushAndClose(context)
    }

    /// Keeps bytes sent to the node while the request may still be retried.
    private func keepForReplay(_ bytes: ByteBuffer) {
        guard let limit = replayLength else { return }
        if sent.readableBytes + bytes.readableBytes > limit {
            // More than the request announced: not a plain request any more.
            replayLength = nil
            sent = ByteBuffer()
        } else {
            sent.writeImmutableBuffer(bytes)
        }
    }

    /// The node closed (or half-closed) before its first response byte while the whole fast
    /// router request is held: the policy treats it as a failed connect and the request goes
    /// to the next node (see `RoutingPolicy.connectFailed`). Returns false when not applicable.
    private func retryUnanswered() -> Bool {
        guard case .fast = mode, state == .relaying, fromNode == 0, let length = replayLength,
            sent.readableBytes == length, let failed = lease, let context
        else { return false }
        lease = nil
        link?.abandon()
        link = nil
        plane.logger.notice("node closed before answering, retrying", metadata: ["node": "\(session.node?.name ?? "-")"])
        switch plane.policy.connectFailed(failed, error: UpstreamClosedBeforeResponse()) {
        case .node(let target):
            packet = sent
            sent = ByteBuffer()
            toNode = 0
            connect(target, context: context)
        case .refused(let reason):
            plane.logger.warning("closing client: \(reason)", metadata: ["node": "\(session.node?.name ?? "-")"])
            state = .closing
            context.close(promise: nil)
        }
        return true
    }

    func watchdogFired() {
        watchdog.fired()
        guard state != .closing, let context else { return }
        if state == .sniffing {
            // The first packet has one deadline from accept; trickled bytes do not extend it.
            plane.logger.info("no complete uwsgi packet within the deadline, closing", metadata: ["client": "\(session.clientName)"])
            state = .closing
            context.close(promise: nil)
            return
        }
        if activity {
            activity = false
            watchdog.arm(at: .now() + options.timeout, on: context.eventLoop, target: self)
        } else {
            plane.logger.info("session inactive for the timeout, closing", metadata: ["client": "\(session.clientName)"])
            state = .closing
            link?.close()
            context.close(promise: nil)
        }
    }
}
