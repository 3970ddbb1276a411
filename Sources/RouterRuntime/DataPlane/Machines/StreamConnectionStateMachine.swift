import NIOCore
import RouterWire

/// One fast- or raw-router client connection as a value: finds the key (the uwsgi packet's
/// vars, or the listener's name), connects the node through the executor's policy, then relays
/// bytes both ways untouched, passing half-closes through (client shutdown(WR) → node
/// shutdown(WR) and back), and retries an unanswered fast-router request on the next node.
///
/// Same contract as `HTTPConnectionStateMachine`: events in, an `Action` out, no I/O; the
/// executor (`StreamRelayHandler`) owns the lease and releases it after `upstreamClosed()`
/// (reading `bytesToNode`/`bytesFromNode` first) unless the action is `.retryOnNextNode`.
struct StreamConnectionStateMachine {
    /// How the key is found.
    enum Mode: Equatable {
        /// Raw router: the listener's name as configured; connect on accept.
        case raw(key: ByteBuffer)
        /// Fast router: from the client's uwsgi packet.
        case fast
    }

    /// The per-listener settings the machine needs.
    struct Configuration {
        var mode: Mode
        var timeout = TimeAmount.seconds(60)
        /// Fast router: the first packet's deadline from accept (nil: the timeout).
        var packetTimeout: TimeAmount?
        var maxVarBlock = 65535
        /// Raw router `--rawrouter-xclient`: the node's greeting is swallowed and an
        /// `XCLIENT ADDR=` line sent in its place before relaying.
        var xclient = false
        /// `--subscription-mountpoints N`: `PATH_INFO`'s first N segments join a packet's key.
        var mountpoints = 0
        /// Fast router `--fastrouter-post-buffering N`: a body (`CONTENT_LENGTH`) is read whole
        /// before routing, up to N bytes in memory, the rest spooled; 0 streams bodies.
        var postBuffering = 0

        init(mode: Mode) {
            self.mode = mode
        }

        init(mode: Mode, options: StreamRouterOptions) {
            self.mode = mode
            timeout = options.timeout
            packetTimeout = options.packetTimeout
            maxVarBlock = options.maxVarBlock
            xclient = options.xclient
            mountpoints = options.mountpoints
            postBuffering = options.postBuffering
        }
    }

    /// The relay in progress: plain values only (copied on every transition without reference
    /// counting), the buffers and the key live in the machine.
    struct Relay: Equatable {
        var retry: UnansweredRequest
        var retrying: RetryCause?
        var clientInputClosed = false
        var nodeInputClosed = false
        /// `--rawrouter-xclient`: the node's greeting line has not ended yet; client bytes wait.
        var awaitingGreeting = false
    }

    /// Where the connection is.
    enum State: Equatable {
        /// Fast router: reading the first uwsgi packet.
        case sniffing
        /// Fast router `--fastrouter-post-buffering`: reading the whole body (`postBuffer`).
        case buffering(Relay)
        /// The key is known; the executor is asking the policy.
        case routing(Relay)
        /// Connecting to a node (first attempt or a retry).
        case connecting(Relay)
        /// Relaying both ways.
        case relaying(Relay)
        /// Done; every later event is ignored.
        case closed
    }

    /// Why the machine closes the client connection (for the log line).
    enum CloseReason: Equatable {
        case invalidPacket(String)
        case noPacket
        case clientLeftBeforePacket
        case refused(RouteRefusal, key: ByteBuffer)
        case retriesFailed(RouteRefusal)
        case inactive
        case greetingTooLong(limit: Int)
        /// The spool file could not be created, written or read (the reason names the
        /// directory and the errno).
        case spoolFailed(String)
        /// The client stopped sending (or shut its output) before its whole body arrived.
        case bodyIncomplete
    }

    /// What the executor does next.
    enum Action: Equatable {
        case none
        /// Schedule the connection's timer at this deadline (replacing a later one).
        case armTimer(NIODeadline)
        /// Ask the policy for a node for `key`, then call `routed(_:)`.
        case route(key: ByteBuffer, armTimer: NIODeadline?)
        /// Connect to the chosen node, sending these bytes first.
        case connect(firstBytes: ByteBuffer)
        /// Report the failure to the policy and call `routed(_:)` with its next decision.
        case retryOnNextNode(RetryCause)
        /// Report the connect failure to the policy and release any node it offers.
        case abandonAttempt
        /// The node accepted: write (and flush) these bytes if any, shut its output if told,
        /// resume client reads if told.
        case connected(write: ByteBuffer?, shutdownNodeOutput: Bool, resumeClientReads: Bool)
        case writeToNode(ByteBuffer)
        case flushNode
        /// Close the node link at once, dropping what it still queues (the client vanished
        /// while the node was still sending).
        case closeNode
        /// Flush then shut the node's output (the client half-closed).
        case shutdownNodeOutput
        /// The node ended its output and the client is gone: send the node what it still
        /// queues, then close it, at the latest after `within`.
        case finishNode(within: TimeAmount)
        case writeToClient(ByteBuffer)
        case flushClient
        /// Flush and shut the client's output (the node half-closed).
        case shutdownClientOutput
        /// Both sides ended their input: each is closed once its queued bytes are sent (the
        /// node at the latest after `within`).
        case finishBoth(within: TimeAmount)
        case pauseClientReads
        case resumeClientReads
        case setNodeReading(Bool)
        /// Close the client at once (and the node link, if any).
        case close(CloseReason)
        /// Flush and close the client (the node's connection ended).
        case closeAfterFlush
        /// Post-buffering: append these bytes to the connection's spool file (creating it
        /// first), then call `bodySpooled()`, or `spoolFailed(_:)` if the write failed.
        case spoolBody(ByteBuffer)
        /// Post-buffering: read `length` bytes at `offset` of the spool file, write them to the
        /// node, then call `spooledChunkSent(writable:)` (or `spoolFailed(_:)`).
        case sendSpooled(offset: Int, length: Int)
    }

    let configuration: Configuration
    var state = State.sniffing
    /// The routing key, once known.
    private(set) var key = ByteBuffer()
    /// Fast router: the first packet as it arrives; later, bytes read while connecting.
    var inbound = ByteBuffer()
    /// The first bytes for the node: the client's packet, or the whole request kept for a retry.
    var packet = ByteBuffer()
    /// Everything sent to the node so far, while the request may be retried.
    private var sent = ByteBuffer()
    var deadline = ConnectionDeadline()
    var clientReadsPaused = false
    /// `--rawrouter-xclient`: the line sent to the node once its greeting ended (set by
    /// `prepare(client:)`); the greeting as it arrives.
    var xclientLine: ByteBuffer?
    var greeting = ByteBuffer()
    /// Post-buffering: the body being read before routing.
    var postBuffer: PostBuffer?
    /// Post-buffering: a spooled body being sent to the node; client bytes wait meanwhile.
    var spoolSend: SpoolSend?

    /// A machine for a new connection; call `start(now:)` when it becomes active.
    init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The relay in progress, if any.
    var relay: Relay? {
        switch state {
        case .buffering(let r), .routing(let r), .connecting(let r), .relaying(let r): r
        case .sniffing, .closed: nil
        }
    }

    /// Bytes sent to the current node (for `RoutingPolicy.finished`); kept after the close.
    var bytesToNode: UInt64 = 0
    /// Bytes received from the current node.
    private(set) var bytesFromNode: UInt64 = 0
    /// Whether client reads are held for backpressure.
    var isPausingClientReads: Bool { clientReadsPaused }

    // MARK: connection events

    /// The client connection is active: a raw relay routes at once, a fast one waits for its
    /// packet, which has one deadline from accept (trickled bytes do not extend it).
    mutating func start(now: NIODeadline) -> Action {
        switch configuration.mode {
        case .fast:
            let first = min(configuration.timeout, configuration.packetTimeout ?? configuration.timeout)
            return deadline.arm(at: now + first).map(Action.armTimer) ?? .none
        case .raw(let key):
            let arm = deadline.arm(at: now + configuration.timeout)
            self.key = key
            state = .routing(Relay(retry: .never))
            return .route(key: key, armTimer: arm)
        }
    }

    /// The client connection is gone (closed or failed).
    mutating func clientClosed() -> Action {
        switch state {
        case .relaying(let r):
            state = .closed
            // After the node's end, a client closing is the relay's normal end (a transport
            // may close a socket whose both ways are shut without an end-of-input event), and
            // the bytes it sent before are still owed to the node.
            return r.nodeInputClosed ? .finishNode(within: configuration.timeout) : .closeNode
        case .sniffing, .buffering, .routing, .connecting, .closed:
            state = .closed
            postBuffer = nil
            spoolSend = nil
            return .none
        }
    }

    /// The router stops: relays run to their end within the grace period.
    func stopRequested() -> Action {
        .none
    }

    /// The connection's timer fired.
    mutating func deadlineFired(now: NIODeadline) -> Action {
        deadline.fired()
        switch state {
        case .closed:
            return .none
        case .sniffing:
            state = .closed
            return .close(.noPacket)
        case .buffering:
            if let next = deadline.inactivityCheck(now: now, timeout: configuration.timeout) {
                return .armTimer(next)
            }
            state = .closed
            postBuffer = nil
            return .close(.bodyIncomplete)
        case .routing, .connecting, .relaying:
            if let next = deadline.inactivityCheck(now: now, timeout: configuration.timeout) {
                return .armTimer(next)
            }
            state = .closed
            return .close(.inactive)
        }
    }

    // MARK: client side

    /// Bytes from the client.
    mutating func clientRead(_ bytes: ByteBuffer) -> Action {
        var bytes = bytes
        deadline.activity = true
        switch state {
        case .sniffing:
            if inbound.readableBytes == 0 { inbound = bytes } else { inbound.writeBuffer(&bytes) }
            return sniff()
        case .buffering(let r):
            return bufferBody(&bytes, r)
        case .routing, .connecting:
            inbound.writeBuffer(&bytes)
            // Bytes beyond a watermark wait in the socket, not in memory.
            return inbound.readableBytes >= 65536 ? pauseClientReads() : .none
        case .relaying(var r):
            if r.awaitingGreeting || spoolSend != nil {
                inbound.writeBuffer(&bytes)
                return inbound.readableBytes >= 65536 ? pauseClientReads() : .none
            }
            keepForReplay(bytes, &r)
            bytesToNode &+= UInt64(bytes.readableBytes)
            state = .relaying(r)
            return .writeToNode(bytes)
        case .closed:
            return .none
        }
    }

    private mutating func sniff() -> Action {
        // Decode a copy: the whole packet (header, vars, any body) is forwarded as received.
        var probe = inbound
        var decoder = UwsgiPacketDecoder(maximumVarBlockSize: configuration.maxVarBlock)
        let decoded: UwsgiPacket
        let bodyLength: Int
        do {
            guard let packet = try decoder.decodePacket(buffer: &probe) else { return .none }
            decoded = packet
            bodyLength = try decoded.vars.contentLength() ?? 0
        } catch {
            state = .closed
            return .close(.invalidPacket("\(error)"))
        }
        // Both terms are bounded (u16 datasize, 18-digit body), so the sum cannot overflow.
        let requestLength = UwsgiHeader.size + Int(decoded.header.datasize) + bodyLength
        let idempotent = decoded.vars.value(for: "REQUEST_METHOD").map(DataPlane.isIdempotent) ?? false
        var key = decoded.vars.routingKey() ?? ByteBuffer()
        if configuration.mountpoints > 0, let path = decoded.vars.value(for: "PATH_INFO") {
            key = MountpointKey.make(host: key.readableBytesView, path: path, segments: configuration.mountpoints)
        }
        self.key = key
        if configuration.postBuffering > 0, bodyLength > 0 {
            return startBuffering(
                headLength: UwsgiHeader.size + Int(decoded.header.datasize), bodyLength: bodyLength,
                retry: UnansweredRequest(idempotent: idempotent, length: requestLength))
        }
        packet = inbound
        inbound = ByteBuffer()
        state = .routing(Relay(retry: UnansweredRequest(idempotent: idempotent, length: requestLength)))
        return .route(key: key, armTimer: nil)
    }

    /// The client's read burst ended.
    func clientReadComplete() -> Action {
        if case .relaying = state { return .flushNode }
        return .none
    }

    /// The client shut its output (half-close).
    mutating func clientInputClosed() -> Action {
        switch state {
        case .sniffing:
            state = .closed
            return .close(.clientLeftBeforePacket)
        case .buffering:
            state = .closed
            postBuffer = nil
            return .close(.bodyIncomplete)
        case .routing(var r):
            r.clientInputClosed = true
            state = .routing(r)
            return .none
        case .connecting(var r):
            r.clientInputClosed = true
            state = .connecting(r)
            return .none
        case .relaying(var r):
            r.clientInputClosed = true
            state = .relaying(r)
            if r.awaitingGreeting || spoolSend != nil { return .none }  // shut after the XCLIENT line or the body
            if r.nodeInputClosed {
                state = .closed
                return .finishBoth(within: configuration.timeout)
            }
            return .shutdownNodeOutput
        case .closed:
            return .none
        }
    }

    /// The client connection can (or cannot) take more bytes: the node's reads follow.
    func clientWritabilityChanged(_ writable: Bool) -> Action {
        if case .relaying = state { return .setNodeReading(writable) }
        return .none
    }

    mutating func pauseClientReads() -> Action {
        guard !clientReadsPaused else { return .none }
        clientReadsPaused = true
        return .pauseClientReads
    }

    /// Keeps bytes sent to the node while the request may still be retried.
    private mutating func keepForReplay(_ bytes: ByteBuffer, _ r: inout Relay) {
        guard r.retry.isKeeping else { return }
        if r.retry.send(bytes.readableBytes) {
            sent.writeImmutableBuffer(bytes)
        } else {
            // More than the request announced: not a plain request any more.
            sent = ByteBuffer()
        }
    }

    // MARK: routing

    /// True while the machine waits for the policy's first answer.
    var isRouting: Bool {
        if case .routing = state { return true }
        return false
    }

    /// The policy's answer to `.route` or `.retryOnNextNode`.
    mutating func routed(_ route: ConnectionRoute) -> Action {
        let r: Relay
        let isRetry: Bool
        switch state {
        case .routing(let relay):
            r = relay
            isRetry = false
        case .connecting(var relay):
            guard relay.retrying != nil else { return .none }
            relay.retrying = nil
            r = relay
            isRetry = true
        case .sniffing, .buffering, .relaying, .closed:
            return .none
        }
        switch route {
        case .refused(let reason):
            state = .closed
            return .close(isRetry ? .retriesFailed(reason) : .refused(reason, key: key))
        case .node(let modifier1, let modifier2):
            if case .fast = configuration.mode, packet.readableBytes >= UwsgiHeader.size {
                // Bytes 0 and 3 of the client's header become the node's modifiers (§5.3 step 5).
                UwsgiPacketEncoder.setModifiers(modifier1: modifier1, modifier2: modifier2, packetAt: packet.readerIndex, in: &packet)
            }
            state = .connecting(r)
            return .connect(firstBytes: packet)
        }
    }

    // MARK: upstream side

    /// The node accepted the connection (`writable`: its channel can take bytes).
    mutating func upstreamConnected(writable: Bool) -> Action {
        guard case .connecting(var r) = state, r.retrying == nil else { return .closeNode }
        if xclientLine != nil { return awaitGreeting(r) }
        if let spooled = sendSpooledFirst(r, writable: writable) { return spooled }
        bytesToNode &+= UInt64(packet.readableBytes + inbound.readableBytes)
        if r.retry.isKeeping {
            sent = packet
            r.retry.restart()
            r.retry.send(packet.readableBytes)
            keepForReplay(inbound, &r)
        }
        packet = ByteBuffer()
        var write: ByteBuffer?
        if inbound.readableBytes > 0 {
            write = inbound
            inbound = ByteBuffer()
        }
        state = .relaying(r)
        let resume = writable && clientReadsPaused
        if resume { clientReadsPaused = false }
        return .connected(write: write, shutdownNodeOutput: r.clientInputClosed, resumeClientReads: resume)
    }

    /// Connecting to the node failed.
    mutating func upstreamConnectFailed() -> Action {
        guard case .connecting(var r) = state, r.retrying == nil else { return .abandonAttempt }
        r.retrying = .connectFailed
        state = .connecting(r)
        return .retryOnNextNode(.connectFailed)
    }

    /// The node can (or cannot) take more bytes: client reads follow.
    mutating func upstreamWritabilityChanged(_ writable: Bool) -> Action {
        if writable {
            if let next = resumeSpool() { return next }
            guard clientReadsPaused else { return .none }
            clientReadsPaused = false
            return .resumeClientReads
        }
        if case .relaying = state { return pauseClientReads() }
        return .none
    }

    /// Bytes from the node.
    mutating func upstreamRead(_ bytes: ByteBuffer) -> Action {
        guard case .relaying(var r) = state else { return .none }
        if r.awaitingGreeting { return readGreeting(bytes, &r) }
        if r.retry.isKeeping {
            // The node answered: no retry from here on, and the kept request can go.
            r.retry.answered()
            sent = ByteBuffer()
        }
        deadline.activity = true
        bytesFromNode &+= UInt64(bytes.readableBytes)
        state = .relaying(r)
        return .writeToClient(bytes)
    }

    // MARK: zero-copy relay

    /// Whether bytes may now pass between client and node without going through the machine
    /// (a transport's `splice(2)`): a raw session relaying with nothing held back, that is no
    /// XCLIENT greeting awaited, no spooled body being sent, no request kept for a retry and
    /// no client bytes waiting. Ends of input, closes and the deadline still come as events;
    /// the bytes moved are reported with `splicedToNode` and `splicedFromNode`.
    var relaysUntouched: Bool {
        guard case .raw = configuration.mode, case .relaying(let r) = state else { return false }
        return !r.awaitingGreeting && spoolSend == nil && !r.retry.isKeeping && r.retrying == nil
            && inbound.readableBytes == 0 && packet.readableBytes == 0
    }

    /// `count` client bytes went to the node without passing through the machine.
    mutating func splicedToNode(_ count: Int) {
        guard case .relaying = state else { return }
        deadline.activity = true
        bytesToNode &+= UInt64(count)
    }

    /// `count` node bytes went to the client without passing through the machine.
    mutating func splicedFromNode(_ count: Int) {
        guard case .relaying = state else { return }
        deadline.activity = true
        bytesFromNode &+= UInt64(count)
    }

    /// The node's read burst ended.
    func upstreamReadComplete() -> Action {
        .flushClient
    }

    /// The node shut its output (half-close).
    mutating func upstreamInputClosed() -> Action {
        guard case .relaying(var r) = state else { return .none }
        if let retry = retryUnanswered(r) { return retry }
        r.nodeInputClosed = true
        state = .relaying(r)
        if r.clientInputClosed {
            state = .closed
            return .finishBoth(within: configuration.timeout)
        }
        return .shutdownClientOutput
    }

    /// The node's connection closed (`bytesToNode`/`bytesFromNode` stay readable).
    mutating func upstreamClosed() -> Action {
        guard case .relaying(let r) = state else { return .none }
        spoolSend = nil
        if let retry = retryUnanswered(r) { return retry }
        state = .closed
        return .closeAfterFlush
    }

    /// The node closed (or half-closed) before its first response byte while the whole fast
    /// router request is held: the request goes to the next node.
    private mutating func retryUnanswered(_ relay: Relay) -> Action? {
        guard case .fast = configuration.mode, bytesFromNode == 0, relay.retry.isRetryable else { return nil }
        var r = relay
        r.retrying = .closedBeforeResponse
        bytesToNode = 0
        r.nodeInputClosed = false
        packet = sent
        sent = ByteBuffer()
        state = .connecting(r)
        return .retryOnNextNode(.closedBeforeResponse)
    }
}
