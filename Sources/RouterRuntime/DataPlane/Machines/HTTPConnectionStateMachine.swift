import NIOCore
import RouterWire

/// One HTTP router client connection as a value: request heads become uwsgi packets, bodies
/// stream to the node under backpressure, responses are relayed with uWSGI's keep-alive rules
/// (§5.1) and 400/408/431/502/503 are answered where uWSGI would just close.
///
/// Events come in as method calls named after them and an `Action` comes back; the executor
/// (`HTTPRouterHandler`) does the I/O, asks the routing policy when told to (`.route`,
/// `.retryOnNextNode`) and hands the outcome back through `routed(_:)`. It owns the lease:
/// after `upstreamClosed()` it releases it with `bytesToNode`/`bytesFromNode` unless the action
/// is `.retryOnNextNode`. Nothing here touches a channel, an event loop or a clock: time comes
/// in with the events.
struct HTTPConnectionStateMachine {
    /// The per-listener settings the machine needs.
    struct Configuration {
        var keepalive = false
        var autoChunked = false
        var websockets = false
        var modifier1: UInt8 = 0
        var modifier2: UInt8 = 0
        var maxHeadSize = HTTPHeadParser.maximumHeadSizeLimit
        var timeout = TimeAmount.seconds(60)
        var headersTimeout = TimeAmount.seconds(60)
        /// The key of requests without a Host header.
        var defaultKey = ByteBuffer()
        /// `--http-raw-body`: every request is relayed raw.
        var rawBody = false
        /// `--http-manage-source`: the `SOURCE` method is relayed raw.
        var manageSource = false
        /// `--http-manage-rtsp`: `RTSP/1.0` is relayed raw, keyed by the `rtsp://` URI's host.
        var manageRTSP = false
        /// `--http-manage-expect`: answer `Expect: 100-continue` here; a limit answers 413 above it.
        var manageExpect: ExpectHandling = .off
        /// `--http-auto-gzip`.
        var autoGzip = false
        /// Any of the rarely used request rules above is on: one check per head when none is.
        var hasRequestRules: Bool { rawBody || manageSource || manageRTSP || manageExpect != .off || autoGzip }
        /// `--subscription-mountpoints N`: the URI's first N segments join the key.
        var mountpoints = 0
        /// `--http-post-buffering N`: a Content-Length body is read whole before the node is
        /// connected, up to N bytes in memory, the rest spooled; 0 streams bodies.
        var postBuffering = 0

        init() {}

        init(options: HTTPRouterOptions) {
            keepalive = options.keepalive
            autoChunked = options.autoChunked
            websockets = options.websockets
            modifier1 = options.modifier1
            modifier2 = options.modifier2
            maxHeadSize = options.maxHeadSize
            timeout = options.timeout
            headersTimeout = options.effectiveHeadersTimeout
            defaultKey = ByteBuffer(string: options.serverName)
            rawBody = options.rawBody
            manageSource = options.manageSource
            manageRTSP = options.manageRTSP
            manageExpect = options.manageExpect
            autoGzip = options.autoGzip
            mountpoints = options.mountpoints
            postBuffering = options.postBuffering
        }
    }

    /// `--http-manage-expect`.
    enum ExpectHandling: Equatable, Sendable {
        /// `Expect` is forwarded to the node like any header.
        case off
        /// The router answers `100 Continue` itself before connecting the node.
        case answer
        /// As `answer`, but a Content-Length above the limit gets a 413 and the connection closes.
        case limit(Int)
    }

    /// What a client connection starts with before its first request head.
    enum Preamble: Equatable, Sendable {
        /// Nothing: the first byte is the request's.
        case none
        /// A PROXY v1 line may come first (the peer is trusted to send one).
        case proxy
        /// uWSGI's stud prefix: a family byte (2, AF_INET) and 4 address bytes; the client
        /// keeps its own port, and the request gets `HTTPS=on`.
        case stud(remotePort: String)
    }

    /// How the node's response reaches the client.
    enum ResponseMode: Equatable {
        /// Collecting the head to apply the keep-alive rules.
        case scanning
        /// Relayed as is; `remaining` counts a Content-Length body down.
        case passthrough(remaining: Int?)
        /// Length-less body framed as chunks (`--http-auto-chunked`).
        case chunked
        /// Length-less body gzipped and framed as chunks (`--http-auto-gzip`).
        case gzip
    }

    /// The request in flight: plain values only (copied on every transition without reference
    /// counting), the buffers and the key live in the machine.
    struct Request: Equatable {
        var isHEAD: Bool
        /// Relayed both ways untouched (WebSocket, Transfer-Encoding, modifier1 123).
        var raw: Bool
        var keepAlive: Bool
        /// Body bytes still due from the client.
        var bodyRemaining: Int
        var retry: UnansweredRequest
        /// Set while asking for another node after a failure.
        var retrying: RetryCause?
        var response = ResponseMode.passthrough(remaining: nil)
        /// `--http-auto-gzip` and the client accepts gzip: the response head is scanned.
        var mayGzip = false
    }

    /// Where the connection is.
    enum State: Equatable {
        /// Waiting for (or reading) a request head.
        case idle
        /// `--http-post-buffering`: reading the whole body before routing (`postBuffer`).
        case bufferingBody(Request)
        /// A head was parsed; the executor is asking the policy.
        case routing(Request)
        /// Connecting to a node (first attempt or a retry).
        case connecting(Request)
        /// Connected; request body bytes are still due.
        case sendingBody(Request)
        /// The request was sent; relaying the response.
        case awaitingResponse(Request)
        /// A two-way relay (upgrade, chunked request, modifier1 123).
        case raw(Request)
        /// Done; every later event is ignored.
        case closed
    }

    /// One write to the client.
    enum ClientWrite: Equatable {
        /// These bytes as they are.
        case bytes(ByteBuffer)
        /// These bytes as one chunk (size line, data, CRLF).
        case chunk(ByteBuffer)
        /// A response head with a header line inserted before its blank line, then the body
        /// bytes that came with it (chunked or not). Rare, so boxed: actions stay small.
        indirect case head(front: ByteBuffer, inserted: ByteBuffer, blank: ByteBuffer, body: ByteBuffer, chunked: Bool)
    }

    /// Why the machine closes the client connection (for the log line).
    enum CloseReason: Equatable {
        case badRequest(String)
        case headTooLarge(limit: Int)
        case varsTooLarge
        case headTimeout
        case idleKeepAlive
        case stopped
        case inactive
        case refused(RouteRefusal, key: ByteBuffer)
        case nodeSilent
        case responseEnded
        case badPreamble(String)
        case expectTooLarge(limit: Int)
        /// `--http-post-buffering`: the spool file could not be written or read (the reason
        /// names the directory and the errno).
        case spoolFailed(String)
        /// `--http-post-buffering`: the body stopped arriving for the timeout.
        case bodyTimeout
    }

    /// What happens after a response ended.
    enum AfterResponse: Equatable {
        /// Flush and close the client.
        case close
        /// Flush, resume reads if told, arm the head deadline if given, then call
        /// `nextRequest(now:)` for bytes a pipelining client already sent.
        case readNextRequest(armTimer: NIODeadline?, resumeClientReads: Bool)
    }

    /// What the executor does next.
    enum Action: Equatable {
        case none
        /// Schedule the connection's timer at this deadline (replacing a later one).
        case armTimer(NIODeadline)
        /// Write `interim` to the client if any (`100 Continue`), ask the policy for a node for
        /// `key`, then call `routed(_:)`.
        case route(key: ByteBuffer, armTimer: NIODeadline?, interim: ByteBuffer?)
        /// Connect to the chosen node, sending these bytes first.
        case connect(firstBytes: ByteBuffer)
        /// Report the failure to the policy and call `routed(_:)` with its next decision.
        case retryOnNextNode(RetryCause)
        /// Report the connect failure to the policy and release any node it offers: the
        /// client is gone.
        case abandonAttempt
        /// The node accepted: write (and flush) these bytes if any, resume client reads if told.
        case connected(write: ByteBuffer?, resumeClientReads: Bool)
        case writeToNode(ByteBuffer)
        case flushNode
        case closeNode
        case writeToClient(ClientWrite)
        case flushClient
        case pauseClientReads
        case resumeClientReads
        case setNodeReading(Bool)
        /// Write this answer, flush and close the client (and the node link, if any). Rare, so
        /// boxed: the per-request actions stay small to copy and destroy.
        indirect case answer(ByteBuffer, CloseReason)
        /// Close the client at once (and the node link, if any). Boxed like `answer`.
        indirect case close(CloseReason)
        /// The response ended: write `tail` if any, then continue as told.
        case responseEnded(tail: ClientWrite?, then: AfterResponse)
        /// `--http-post-buffering`: write (and flush) `interim` to the client if any, arm the
        /// timer if given, and append `spool` to the request's spool file if any (creating it
        /// first), then call `bodySpooled()`, or `spoolFailed(_:)` if the write failed. Rare,
        /// so boxed.
        indirect case holdBody(interim: ByteBuffer?, spool: ByteBuffer?, armTimer: NIODeadline?)
        /// `--http-post-buffering`: read `length` bytes at `offset` of the spool file, write
        /// them to the node, then call `spooledChunkSent(writable:)` (or `spoolFailed(_:)`).
        case sendSpooled(offset: Int, length: Int)
    }

    let configuration: Configuration
    /// The vars every request of this connection shares; nil until known (heads wait).
    var connectionVars: HTTPConnectionVars?
    /// What comes before the first head; set by the executor before `start(now:)`.
    var preamble = Preamble.none
    /// The client address a PROXY line or stud prefix named, once read (for logs and sessions).
    var announcedClient: (address: String, port: String)?
    /// The current (or last) request's routing key.
    private(set) var key = ByteBuffer()
    var state = State.idle
    private var parser: HTTPHeadParser
    /// Received bytes not yet handled: the head being read, or the next request held.
    var inbound = ByteBuffer()
    /// Bytes of `inbound` already searched for the end of the head.
    private var scanned = 0
    /// The current request's uwsgi packet and, while it may be retried, its body sent so far.
    var packet = ByteBuffer()
    /// A packet the machine let go of (its node answered), until the transport takes it for
    /// reuse (`takeSpentPacket`).
    private var spentPacket: ByteBuffer?
    /// Body bytes read while connecting.
    private var pendingBody = ByteBuffer()
    /// The node's response head as it arrives.
    private var responseHead = ByteBuffer()
    var deadline = ConnectionDeadline()
    private var headDeadline = NIODeadline.distantFuture
    private var stopping = false
    private var clientReadsPaused = false
    /// The compressor of a response being gzipped.
    var gzip: GzipEncoder?
    /// Requests started on this connection.
    private(set) var requests = 0
    /// `--http-post-buffering`: the body being read before routing.
    var postBuffer: PostBuffer?
    /// `--http-post-buffering`: a spooled body being sent to the node.
    var spoolSend: SpoolSend?

    /// A machine for a new connection; call `start(now:)` when it becomes active.
    init(configuration: Configuration, connectionVars: HTTPConnectionVars?) {
        self.configuration = configuration
        self.connectionVars = connectionVars
        self.parser = HTTPHeadParser(maximumHeadSize: configuration.maxHeadSize)
        self.parser.acceptsRTSP = configuration.manageRTSP
    }

    /// The current request, if any.
    var request: Request? {
        switch state {
        case .bufferingBody(let r), .routing(let r), .connecting(let r), .sendingBody(let r), .awaitingResponse(let r), .raw(let r): r
        case .idle, .closed: nil
        }
    }

    /// Bytes sent to the current request's node (for `RoutingPolicy.finished`); kept after
    /// the request ends until the next one starts.
    var bytesToNode: UInt64 = 0
    /// Bytes received from the current request's node.
    private(set) var bytesFromNode: UInt64 = 0
    /// Whether bytes of a next request are held (see `nextRequest(now:)`).
    var holdsNextRequest: Bool {
        if case .idle = state { return inbound.readableBytes > 0 }
        return false
    }
    /// Whether client reads are held for backpressure.
    var isPausingClientReads: Bool { clientReadsPaused }

    // MARK: connection events

    /// The client connection is active: the first head has one deadline from now.
    mutating func start(now: NIODeadline) -> Action {
        headDeadline = now + configuration.headersTimeout
        return deadline.arm(at: headDeadline).map(Action.armTimer) ?? .none
    }

    /// The client connection is gone (closed or failed).
    mutating func clientClosed() -> Action {
        switch state {
        case .sendingBody, .awaitingResponse, .raw:
            state = .closed
            return .closeNode
        case .idle, .bufferingBody, .routing, .connecting, .closed:
            state = .closed
            postBuffer = nil
            spoolSend = nil
            return .none
        }
    }

    /// The router stops: finish the current request, accept no new one.
    mutating func stopRequested() -> Action {
        stopping = true
        switch state {
        case .idle:
            guard inbound.readableBytes == 0 else { return .none }
            state = .closed
            return .close(.stopped)
        case .bufferingBody(var r):
            r.keepAlive = false
            state = .bufferingBody(r)
        case .routing(var r):
            r.keepAlive = false
            state = .routing(r)
        case .connecting(var r):
            r.keepAlive = false
            state = .connecting(r)
        case .sendingBody(var r):
            r.keepAlive = false
            state = .sendingBody(r)
        case .awaitingResponse(var r):
            r.keepAlive = false
            state = .awaitingResponse(r)
        case .raw, .closed:
            break
        }
        return .none
    }

    /// The connection's timer fired.
    mutating func deadlineFired(now: NIODeadline) -> Action {
        deadline.fired()
        switch state {
        case .closed:
            return .none
        case .idle:
            guard now >= headDeadline else {
                return deadline.arm(at: headDeadline).map(Action.armTimer) ?? .none
            }
            state = .closed
            if inbound.readableBytes > 0 || requests == 0 {
                return .answer(HTTPErrorResponse.requestTimeout, .headTimeout)
            }
            return .close(.idleKeepAlive)
        case .bufferingBody:
            return bodyDeadlineFired(now: now)
        case .routing, .connecting, .sendingBody, .awaitingResponse, .raw:
            if let next = deadline.inactivityCheck(now: now, timeout: configuration.timeout) {
                return .armTimer(next)
            }
            state = .closed
            return .close(.inactive)
        }
    }

    // MARK: client side

    /// Bytes from the client.
    @inline(__always)
    mutating func clientRead(_ bytes: ByteBuffer, now: NIODeadline) -> Action {
        var bytes = bytes
        switch state {
        case .idle:
            if inbound.readableBytes == 0 { inbound = bytes } else { inbound.writeBuffer(&bytes) }
            return parseHead(now: now)
        case .bufferingBody(let r):
            return bufferBody(&bytes, r)
        case .routing:
            inbound.writeBuffer(&bytes)
            // A route can take a while (a code forwarder resolving the key): bytes beyond a
            // watermark wait in the socket, not in memory.
            return inbound.readableBytes >= 65536 ? pauseClientReads() : .none
        case .connecting(var r):
            deadline.activity = true
            guard r.raw || r.bodyRemaining > 0 else { return holdNextRequest(&bytes, r) }
            let take = r.raw ? bytes.readableBytes : min(r.bodyRemaining, bytes.readableBytes)
            if !r.raw {
                r.bodyRemaining -= take
                if take < bytes.readableBytes { r.keepAlive = false }
            }
            if var slice = bytes.readSlice(length: take) { pendingBody.writeBuffer(&slice) }
            state = .connecting(r)
            // Bytes beyond a watermark wait in the socket, not in memory.
            return pendingBody.readableBytes >= 65536 ? pauseClientReads() : .none
        case .sendingBody(var r):
            deadline.activity = true
            let take = min(r.bodyRemaining, bytes.readableBytes)
            if take < bytes.readableBytes { r.keepAlive = false }
            guard let slice = bytes.readSlice(length: take) else { return .none }
            if r.retry.send(take) { packet.writeImmutableBuffer(slice) }
            bytesToNode &+= UInt64(take)
            r.bodyRemaining -= take
            state = r.bodyRemaining == 0 ? .awaitingResponse(r) : .sendingBody(r)
            return .writeToNode(slice)
        case .raw:
            deadline.activity = true
            bytesToNode &+= UInt64(bytes.readableBytes)
            return .writeToNode(bytes)
        case .awaitingResponse(let r):
            return holdNextRequest(&bytes, r)
        case .closed:
            return .none
        }
    }

    /// The client's read burst ended.
    @inline(__always)
    func clientReadComplete() -> Action {
        switch state {
        case .sendingBody, .awaitingResponse, .raw: .flushNode
        case .idle, .bufferingBody, .routing, .connecting, .closed: .none
        }
    }

    /// The client connection can (or cannot) take more bytes: the node's reads follow.
    @inline(__always)
    func clientWritabilityChanged(_ writable: Bool) -> Action {
        switch state {
        case .sendingBody, .awaitingResponse, .raw: .setNodeReading(writable)
        case .idle, .bufferingBody, .routing, .connecting, .closed: .none
        }
    }

    /// Keeps bytes a client sent before its response ended (it may read a Content-Length
    /// response to the end before the node's close reaches us); they are the next head.
    private mutating func holdNextRequest(_ bytes: inout ByteBuffer, _ r: Request) -> Action {
        guard r.keepAlive else { return .none }
        inbound.writeBuffer(&bytes)
        return inbound.readableBytes > configuration.maxHeadSize ? pauseClientReads() : .none
    }

    private mutating func pauseClientReads() -> Action {
        guard !clientReadsPaused else { return .none }
        clientReadsPaused = true
        return .pauseClientReads
    }

    // MARK: request head

    /// After `.responseEnded(then: .readNextRequest)`: handles the bytes already held.
    mutating func nextRequest(now: NIODeadline) -> Action {
        guard case .idle = state, inbound.readableBytes > 0 else { return .none }
        return parseHead(now: now)
    }

    /// Gives an idle machine that holds no packet an empty buffer to write its next request's
    /// packet into; `buffer` is asked for only then. A transport with a pool calls this before
    /// handing over client bytes.
    @inline(__always)
    mutating func supplyPacket(_ buffer: @autoclosure () -> ByteBuffer) {
        guard case .idle = state, packet.capacity == 0 else { return }
        packet = buffer()
    }

    /// The packet the machine let go of since the last call (its node answered), for the
    /// transport's pool; nil when none. The machine keeps no reference to it.
    @inline(__always)
    mutating func takeSpentPacket() -> ByteBuffer? {
        guard spentPacket != nil else { return nil }
        defer { spentPacket = nil }
        return spentPacket
    }

    /// Lets go of the packet (an idle connection holds none); `takeSpentPacket` hands it out.
    private mutating func releasePacket() {
        if packet.capacity > 0 { spentPacket = packet }
        packet = ByteBuffer()
    }

    @inline(__always)
    private mutating func parseHead(now: NIODeadline) -> Action {
        if preamble != .none, let action = readPreamble() { return action }
        guard let connectionVars else { return .none }
        // Written over: the empty buffer the transport gave (`supplyPacket`), or the shared
        // zero-capacity one, which allocates nothing until a whole head is written.
        if packet.capacity > 0 { packet.clear() }
        let head: HTTPRequestHead
        do {
            guard let parsed = try parser.parse(inbound, searched: scanned, connection: connectionVars, into: &packet) else {
                scanned = inbound.readableBytes
                return .none
            }
            head = parsed
        } catch .headTooLarge(_, let limit) {
            state = .closed
            return .answer(HTTPErrorResponse.headTooLarge, .headTooLarge(limit: limit))
        } catch .packetTooLarge {
            state = .closed
            return .answer(HTTPErrorResponse.headTooLarge, .varsTooLarge)
        } catch {
            state = .closed
            return .answer(HTTPErrorResponse.badRequest, .badRequest("\(error)"))
        }
        scanned = 0
        var key = head.host.flatMap { inbound.getSlice(at: $0.lowerBound, length: $0.count) } ?? configuration.defaultKey
        if configuration.mountpoints > 0, let uri = inbound.getSlice(at: head.uri.lowerBound, length: head.uri.count) {
            key = MountpointKey.make(host: key.readableBytesView, path: uri.readableBytesView, segments: configuration.mountpoints)
        }
        let method = head.method(in: inbound)
        let (isHEAD, idempotent) = method.map(DataPlane.methodFacts) ?? (false, false)
        var raw = (configuration.websockets && head.isWebSocketUpgrade) || head.hasTransferEncoding
        var interim: ByteBuffer?
        var mayGzip = false
        if configuration.hasRequestRules {
            let rules = applyRequestRules(head, method: method)
            if case .refuse(let action) = rules {
                state = .closed
                return action
            }
            if case .apply(let rawRule, let keyRange, let continueFirst, let gzipWanted) = rules {
                raw = raw || rawRule
                if let keyRange, let rtspKey = inbound.getSlice(at: keyRange.lowerBound, length: keyRange.count) { key = rtspKey }
                interim = continueFirst ? HTTPConnectionStateMachine.continueResponse : nil
                mayGzip = gzipWanted
            }
        }
        inbound.moveReaderIndex(forwardBy: head.headLength)
        let bodyLength = raw ? 0 : head.contentLength ?? 0
        requests += 1
        self.key = Self.kept(key, previous: self.key)
        bytesToNode = 0
        bytesFromNode = 0
        deadline.activity = true
        // A pending fire (the head deadline) re-arms for the inactivity timeout when it runs.
        let arm = deadline.isArmed ? nil : deadline.arm(at: now + configuration.timeout)
        let request = Request(
            isHEAD: isHEAD,
            raw: raw,
            keepAlive: configuration.keepalive && head.keepAliveAllowed && !raw && !stopping,
            bodyRemaining: bodyLength,
            // Known up front from Content-Length: a request too big to keep is never copied.
            retry: raw ? .never : UnansweredRequest(idempotent: idempotent, length: packet.readableBytes + bodyLength),
            mayGzip: mayGzip
        )
        if configuration.postBuffering > 0, bodyLength > 0 {
            return startBuffering(request, length: bodyLength, armTimer: arm, interim: interim)
        }
        state = .routing(request)
        return .route(key: self.key, armTimer: arm, interim: interim)
    }

    /// The key as kept past its request (here, in the session, by the policy): the previous
    /// request's buffer when the bytes are the same (a keep-alive client's usual case), else a
    /// copy of its own, so that no slice holds on to the read buffer the head arrived in.
    static func kept(_ key: ByteBuffer, previous: ByteBuffer) -> ByteBuffer {
        if key == previous { return previous }  // NIO compares the readable bytes (memcmp)
        return ByteBuffer(bytes: key.readableBytesView)
    }

    // MARK: routing

    /// True while the machine waits for the policy's first answer for a request.
    var isRouting: Bool {
        if case .routing = state { return true }
        return false
    }

    /// The policy's answer to `.route` or `.retryOnNextNode`.
    @inline(__always)
    mutating func routed(_ route: ConnectionRoute) -> Action {
        switch state {
        case .routing(var r):
            switch route {
            case .refused(let reason):
                state = .closed
                return refuse(reason, key: key)
            case .node(let modifier1, let modifier2):
                var m1 = configuration.modifier1 != 0 ? configuration.modifier1 : modifier1
                let m2 = configuration.modifier2 != 0 ? configuration.modifier2 : modifier2
                if m1 == 123 {
                    // uWSGI's "raw body" pseudo-modifier: send 0 and relay the body blindly.
                    m1 = 0
                    r.raw = true
                    r.keepAlive = false
                    r.retry = .never
                }
                UwsgiPacketEncoder.setModifiers(modifier1: m1, modifier2: m2, packetAt: packet.readerIndex, in: &packet)
                // Body bytes that came with the head travel in the same write as the packet.
                let available = inbound.readableBytes
                let take = r.raw ? available : min(r.bodyRemaining, available)
                if take > 0, var body = inbound.readSlice(length: take) {
                    packet.writeBuffer(&body)
                    if !r.raw { r.bodyRemaining -= take }
                }
                if !r.keepAlive { inbound.clear() }
                if inbound.readableBytes == 0 {
                    // The read buffer the head came in goes back to the loop's pool unshared:
                    // kept here, the node's response read into it next would copy it whole.
                    inbound = ByteBuffer()
                } else {
                    inbound.discardReadBytes()
                }
                bytesToNode = UInt64(packet.readableBytes)
                r.retry.send(packet.readableBytes)
                state = .connecting(r)
                return .connect(firstBytes: packet)
            }
        case .connecting(var r):
            guard let cause = r.retrying else { return .none }
            r.retrying = nil
            switch route {
            case .refused(let reason):
                state = .closed
                if cause == .closedBeforeResponse { return .answer(HTTPErrorResponse.badGateway, .nodeSilent) }
                return refuse(reason == .noNode || reason == .cheap ? .retriesExhausted : reason, key: key)
            case .node(let modifier1, let modifier2):
                // Only the modifiers change: the packet's size is already set.
                let m1 = configuration.modifier1 != 0 ? configuration.modifier1 : modifier1
                let m2 = configuration.modifier2 != 0 ? configuration.modifier2 : modifier2
                UwsgiPacketEncoder.setModifiers(
                    modifier1: m1 == 123 ? 0 : m1, modifier2: m2, packetAt: packet.readerIndex, in: &packet
                )
                if cause == .closedBeforeResponse { bytesToNode = UInt64(packet.readableBytes) }
                state = .connecting(r)
                return .connect(firstBytes: packet)
            }
        case .idle, .bufferingBody, .sendingBody, .awaitingResponse, .raw, .closed:
            return .none
        }
    }

    private func refuse(_ reason: RouteRefusal, key: ByteBuffer) -> Action {
        let answer = reason == .retriesExhausted || reason == .resolverFailed
            ? HTTPErrorResponse.badGateway : HTTPErrorResponse.serviceUnavailable
        return .answer(answer, .refused(reason, key: key))
    }

    // MARK: upstream side

    /// The node accepted the connection (`writable`: its channel can take bytes).
    @inline(__always)
    mutating func upstreamConnected(writable: Bool) -> Action {
        guard case .connecting(var r) = state, r.retrying == nil else { return .closeNode }
        r.response = r.keepAlive || r.mayGzip ? .scanning : .passthrough(remaining: nil)
        // Not `clear()`: on the shared empty buffer that allocates a new storage every request.
        responseHead = ByteBuffer()
        var write: ByteBuffer?
        if pendingBody.readableBytes > 0 {
            bytesToNode &+= UInt64(pendingBody.readableBytes)
            if r.retry.send(pendingBody.readableBytes) { packet.writeImmutableBuffer(pendingBody) }
            write = pendingBody
            pendingBody = ByteBuffer()
        }
        // The state first: a flush to a node that just died closes the link at once, and
        // `upstreamClosed` must then see the request as sent to retry it.
        if let spooled = sendSpooledFirst(&r, writable: writable) { return spooled }
        if r.raw {
            state = .raw(r)
        } else {
            state = r.bodyRemaining > 0 ? .sendingBody(r) : .awaitingResponse(r)
        }
        let resume = writable && clientReadsPaused
        if resume { clientReadsPaused = false }
        return .connected(write: write, resumeClientReads: resume)
    }

    /// Connecting to the node failed.
    mutating func upstreamConnectFailed() -> Action {
        guard case .connecting(var r) = state, r.retrying == nil else { return .abandonAttempt }
        r.retrying = .connectFailed
        state = .connecting(r)
        return .retryOnNextNode(.connectFailed)
    }

    /// The node can (or cannot) take more bytes: client reads follow.
    @inline(__always)
    mutating func upstreamWritabilityChanged(_ writable: Bool) -> Action {
        if writable {
            if let next = resumeSpool() { return next }
            guard clientReadsPaused else { return .none }
            clientReadsPaused = false
            return .resumeClientReads
        }
        switch state {
        case .sendingBody, .raw: return pauseClientReads()
        case .idle, .bufferingBody, .routing, .connecting, .awaitingResponse, .closed: return .none
        }
    }

    /// The node half-closed: the response ends with its connection.
    @inline(__always)
    func upstreamInputClosed() -> Action {
        .closeNode
    }

    /// The node's read burst ended.
    @inline(__always)
    func upstreamReadComplete() -> Action {
        .flushClient
    }

    /// Bytes from the node.
    @inline(__always)
    mutating func upstreamRead(_ bytes: ByteBuffer) -> Action {
        switch state {
        case .sendingBody(var r):
            let action = relayResponse(bytes, &r)
            state = .sendingBody(r)
            return action
        case .awaitingResponse(var r):
            let action = relayResponse(bytes, &r)
            state = .awaitingResponse(r)
            return action
        case .raw(var r):
            let action = relayResponse(bytes, &r)
            state = .raw(r)
            return action
        case .idle, .bufferingBody, .routing, .connecting, .closed:
            return .none
        }
    }

    @inline(__always)
    private mutating func relayResponse(_ bytes: ByteBuffer, _ r: inout Request) -> Action {
        if r.retry.isKeeping {
            // The node answered: no retry from here on, and the kept request can go.
            r.retry.answered()
            releasePacket()
        }
        bytesFromNode &+= UInt64(bytes.readableBytes)
        deadline.activity = true
        switch r.response {
        case .passthrough(let remaining):
            if let remaining { r.response = .passthrough(remaining: remaining - bytes.readableBytes) }
            return .writeToClient(.bytes(bytes))
        case .chunked:
            return bytes.readableBytes > 0 ? .writeToClient(.chunk(bytes)) : .none
        case .gzip:
            let compressed = gzip?.compress(bytes) ?? ByteBuffer()
            return compressed.readableBytes > 0 ? .writeToClient(.chunk(compressed)) : .none
        case .scanning:
            var bytes = bytes
            if responseHead.readableBytes == 0 { responseHead = bytes } else { responseHead.writeBuffer(&bytes) }
            return scanResponseHead(&r)
        }
    }

    /// Applies the keep-alive rules (§5.1 `http_response_parse`) once the head is complete.
    private mutating func scanResponseHead(_ r: inout Request) -> Action {
        guard let info = HTTPResponseHead.scan(responseHead) else {
            guard responseHead.readableBytes > configuration.maxHeadSize else { return .none }
            r.keepAlive = false
            r.response = .passthrough(remaining: nil)
            let head = responseHead
            responseHead = ByteBuffer()
            return .writeToClient(.bytes(head))
        }
        var head = responseHead
        responseHead = ByteBuffer()
        let bodiless = r.isHEAD || info.isBodiless
        if r.mayGzip, let action = startGzip(info, bodiless: bodiless, head: &head, &r) { return action }
        guard r.keepAlive else {
            // Scanned only for gzip: relayed as it came.
            r.response = .passthrough(remaining: nil)
            return .writeToClient(.bytes(head))
        }
        let eligible = info.isHTTP11 && !info.connectionClose && !info.hasTrailers
        if eligible, info.contentLength != nil || info.hasTransferEncoding || bodiless {
            var remaining: Int?
            if let length = info.contentLength, !info.hasTransferEncoding {
                remaining = bodiless ? 0 : length - (head.readableBytes - info.headLength)
            }
            r.response = .passthrough(remaining: remaining)
            return .writeToClient(.bytes(head))
        }
        guard let front = head.readSlice(length: info.headLength - 2), let blank = head.readSlice(length: 2) else {
            return .none
        }
        let inserted: ByteBuffer
        if eligible, configuration.autoChunked {
            inserted = ChunkEncoder.chunkedHeader
            r.response = .chunked
        } else {
            r.keepAlive = false
            r.response = .passthrough(remaining: nil)
            inserted = info.hasConnection ? ByteBuffer() : ChunkEncoder.closeHeader
        }
        return .writeToClient(.head(front: front, inserted: inserted, blank: blank, body: head, chunked: r.response == .chunked))
    }

    /// The node's connection closed: the response ended, or the request goes to the next node.
    /// `bytesToNode`/`bytesFromNode` stay readable for the lease release.
    @inline(__always)
    mutating func upstreamClosed(now: NIODeadline) -> Action {
        var r: Request
        var awaiting = false
        switch state {
        case .sendingBody(let request), .raw(let request):
            r = request
        case .awaitingResponse(let request):
            r = request
            awaiting = true
        case .idle, .bufferingBody, .routing, .connecting, .closed:
            return .none
        }
        spoolSend = nil
        if bytesFromNode == 0, awaiting, r.retry.isRetryable {
            r.retrying = .closedBeforeResponse
            state = .connecting(r)
            return .retryOnNextNode(.closedBeforeResponse)
        }
        if bytesFromNode == 0 {
            state = .closed
            return .answer(HTTPErrorResponse.badGateway, .nodeSilent)
        }
        var tail: ClientWrite?
        switch r.response {
        case .scanning:
            // The head never completed: hand over what came and end the connection.
            r.keepAlive = false
            tail = .bytes(responseHead)
            responseHead = ByteBuffer()
        case .chunked:
            tail = .bytes(ChunkEncoder.lastChunk)
        case .gzip:
            tail = .bytes(finishGzip())
        case .passthrough(let remaining):
            if let remaining, remaining > 0 { r.keepAlive = false }
        }
        // The response ended: no retry needs the packet, whether the connection stays or not.
        releasePacket()
        guard r.keepAlive, !stopping, awaiting else {
            state = .closed
            return .responseEnded(tail: tail, then: .close)
        }
        state = .idle
        // Idle with nothing held: the read buffer goes too, so an idle keep-alive connection
        // holds no buffer (the loop's pool gets its buffer back whole).
        if inbound.readableBytes == 0 { inbound = ByteBuffer() }
        headDeadline = now + configuration.headersTimeout
        let resume = clientReadsPaused
        clientReadsPaused = false
        return .responseEnded(tail: tail, then: .readNextRequest(armTimer: deadline.arm(at: headDeadline), resumeClientReads: resume))
    }
}
