import Logging
import NIOCore
import RouterWire

/// Per-listener constants of an HTTP router, computed once.
final class HTTPListenerShared: Sendable {
    let options: HTTPRouterOptions
    let plane: DataPlane
    /// SERVER_PORT: the port part of the listener address as configured.
    let serverPort: String
    /// The connection machines' settings.
    let machine: HTTPConnectionStateMachine.Configuration
    /// Where post-buffered bodies are spooled.
    let spoolDirectory: String

    init(options: HTTPRouterOptions, plane: DataPlane, serverPort: String) {
        self.options = options
        self.plane = plane
        self.serverPort = serverPort
        self.machine = HTTPConnectionStateMachine.Configuration(options: options)
        self.spoolDirectory = options.postBufferingDirectory ?? ConnectionSpool.defaultDirectory()
    }

    /// The vars every request of a connection from `remote` shares.
    func connectionVars(remote: SocketAddress?, isHTTPS: Bool = false, tlsVars: [(key: String, value: [UInt8])] = []) throws(WireError) -> HTTPConnectionVars {
        try HTTPConnectionVars(
            serverName: options.serverName,
            serverPort: serverPort,
            remoteAddress: remote?.ipAddress ?? "",
            remotePort: remote?.port.map(String.init) ?? "",
            isHTTPS: isHTTPS,
            tlsVars: tlsVars,
            extraVars: options.vars,
            serverNameAsHTTPHost: options.serverNameAsHTTPHost
        )
    }
}

/// One HTTP client connection: carries out what its `HTTPConnectionStateMachine` decides
/// (request heads to uwsgi packets, routing, bodies with backpressure, responses with the
/// keep-alive rules of §5.1, the 400/408/431/502/503 answers) on NIO. It owns the I/O, the
/// timer, the session record and the route lease; every decision is the machine's.
final class HTTPRouterHandler: ChannelDuplexHandler, WatchdogTarget, HTTPMachineExecutor {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let shared: HTTPListenerShared
    var context: ChannelHandlerContext?
    var machine: HTTPConnectionStateMachine
    var remoteAddress: SocketAddress?
    var session = SessionRecord(client: nil)
    var watchdog = Watchdog()
    var readGate = ReadGate()
    var lease: RouteLease?
    var link: (any UpstreamLink)?
    var spool: ConnectionSpool
    /// Bytes dropped since an answer started a lingering close; nil before.
    private var lingerDropped: Int?
    /// The session table's worker this connection runs on.
    let worker: Int
    /// What a client layer (TLS) in front learnt, given before `channelActive`.
    private var layerFacts: ClientLayerFacts?

    init(shared: HTTPListenerShared, worker: Int) {
        self.shared = shared
        self.worker = worker
        self.spool = ConnectionSpool(directory: shared.spoolDirectory)
        // The vars need the client's address: they are set when the connection is active.
        self.machine = HTTPConnectionStateMachine(configuration: shared.machine, connectionVars: nil)
    }

    var plane: DataPlane { shared.plane }
    var isClientOpen: Bool { context != nil }
    var eventTime: NIODeadline { .now() }
    var nodeLink: (any UpstreamLink)? { link }
    func adopt(_ link: any UpstreamLink) { self.link = link }
    func dropLink() { link = nil }

    func awaitRoute(_ pending: PendingRoute) {
        guard let loop = context?.eventLoop else {
            plane.deliver(pending, through: { _ in false }, to: { _ in })
            return
        }
        let me = NIOLoopBound(self, eventLoop: loop)
        plane.deliver(pending, through: { task in
            loop.execute(task)
            return true
        }, to: { me.value.routedLater($0) })
    }

    func performAction(_ action: consuming HTTPConnectionStateMachine.Action) {
        perform(action)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// Ends the handler ↔ context cycle when the pipeline is torn down. A connection that a
    /// layer in front never activated (a failed TLS handshake) hears no `channelInactive`, and
    /// without this each one leaked its handler, machine and context.
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        remoteAddress = context.channel.remoteAddress
        if let key = layerFacts?.key {
            // The layer's key (the SNI name) replaces the hostname for requests without Host.
            var configuration = shared.machine
            configuration.defaultKey = ByteBuffer(string: key)
            machine = HTTPConnectionStateMachine(configuration: configuration, connectionVars: nil)
        }
        do {
            machine.connectionVars = try shared.connectionVars(
                remote: remoteAddress, isHTTPS: layerFacts?.isHTTPS ?? false, tlsVars: layerFacts?.tlsVars ?? [])
            machine.preamble = shared.options.preamble(for: remoteAddress)
        } catch {
            logger.error("cannot encode the connection's uwsgi vars: \(error)")
            context.close(promise: nil)
        }
        session = shared.plane.sessions.open(worker: worker, client: remoteAddress, local: context.channel.localAddress)
        perform(machine.start(now: .now()))
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        session.state = .closed
        watchdog.cancel()
        perform(machine.clientClosed())
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("http client error", metadata: ["client": "\(session.clientName)", "error": "\(error)"])
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if lingerDropped != nil, event is RouterStopEvent || event as? ChannelEvent == .inputClosed {
            context.close(promise: nil)
            return
        }
        if event is RouterStopEvent {
            perform(machine.stopRequested())
            return
        }
        if let facts = event as? ClientLayerFacts {
            layerFacts = facts
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        readGate.read(context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        perform(machine.clientWritabilityChanged(context.channel.isWritable))
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        session.rx &+= UInt64(bytes.readableBytes)
        if let dropped = lingerDropped {
            let total = dropped + bytes.readableBytes
            lingerDropped = total
            if total > LingeringClose.byteLimit { context.close(promise: nil) }
            return
        }
        perform(machine.clientRead(bytes, now: .now()))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard lingerDropped == nil else { return }
        perform(machine.clientReadComplete())
        context.fireChannelReadComplete()
    }

    func watchdogFired() {
        watchdog.fired()
        guard context != nil, lingerDropped == nil else { return }
        perform(machine.deadlineFired(now: .now()))
    }

    // MARK: actions

    /// Carries out one action of the machine. Inlined into each event so that an event whose
    /// action is known (a flush, a read-complete) costs no enum copy, switch or destroy.
    @inline(__always)
    func perform(_ action: consuming HTTPConnectionStateMachine.Action) {
        switch consume action {
        case .none:
            break
        case .armTimer(let deadline):
            arm(deadline)
        case .route(let key, let deadline, let interim):
            if let interim {
                writeToClient(interim)
                context?.flush()
            }
            session.state = .connecting
            session.key = key
            session.requests += 1
            if let deadline { arm(deadline) }
            routed(shared.plane.policy.route(key: key, clientAddress: remoteAddress, worker: worker))
        case .connect:
            break  // carried out in `routed`, where the node is known
        case .retryOnNextNode(let cause):
            retry(cause)
        case .abandonAttempt:
            break  // handled where the failure is reported
        case .connected(let write, let resume):
            session.state = .relaying
            if let write, let link {
                link.write(write)
                link.flush()
            }
            if resume { readGate.open(context) }
        case .writeToNode(let bytes):
            guard let link else { return }
            link.write(bytes)
            if !link.isWritable { performNested(machine.upstreamWritabilityChanged(false)) }
        case .flushNode:
            link?.flush()
        case .closeNode:
            link?.close()
        case .writeToClient(let write):
            writeToClient(write)
        case .flushClient:
            context?.flush()
        case .pauseClientReads:
            readGate.close()
        case .resumeClientReads:
            readGate.open(context)
        case .setNodeReading(let enabled):
            link?.setReading(enabled)
        case .answer(let response, let reason):
            log(reason)
            spool.release()
            guard let context else { return }
            session.tx &+= UInt64(response.readableBytes)
            context.write(wrapOutboundOut(response), promise: nil)
            lingerDropped = 0
            watchdog.cancel()
            readGate.open(context)
            LingeringClose.flushAndLinger(context)
        case .close(let reason):
            log(reason)
            spool.release()
            link?.close()
            context?.close(promise: nil)
        case .holdBody(let interim, let bytes, let deadline):
            if let interim {
                writeToClient(interim)
                context?.flush()
            }
            if let deadline { arm(deadline) }
            if let bytes { performNested(spoolBody(bytes)) }
        case .sendSpooled(let offset, let length):
            performNested(sendSpooled(offset: offset, length: length))
        case .responseEnded(let tail, let then):
            spool.release()
            if let tail { writeToClient(tail) }
            guard let context else { return }
            switch then {
            case .close:
                session.state = .closed
                flushAndClose(context)
            case .readNextRequest(let deadline, let resume):
                context.flush()
                session.state = .waiting
                if resume { readGate.open(context) }
                if let deadline { arm(deadline) }
                if machine.holdsNextRequest { performNested(machine.nextRequest(now: .now())) }
            }
        }
    }

    /// `perform` from within an action (not inlined again).
    @inline(never)
    private func performNested(_ action: consuming HTTPConnectionStateMachine.Action) {
        perform(action)
    }

    private func arm(_ deadline: NIODeadline) {
        guard let context else { return }
        watchdog.arm(at: deadline, on: context.eventLoop, target: self)
    }

    func connect(_ firstBytes: ByteBuffer, to endpoint: NodeEndpoint) {
        guard let context else { return }
        NIOUpstreamConnector(eventLoop: context.eventLoop).connect(
            to: endpoint,
            firstBytes: firstBytes,
            options: UpstreamOptions(connectTimeout: shared.options.effectiveConnectTimeout),
            delegate: self
        )
    }

    func writeToClient(_ bytes: ByteBuffer) {
        guard let context else { return }
        session.tx &+= UInt64(bytes.readableBytes)
        context.write(wrapOutboundOut(bytes), promise: nil)
        if !context.channel.isWritable { performNested(machine.clientWritabilityChanged(false)) }
    }
}
