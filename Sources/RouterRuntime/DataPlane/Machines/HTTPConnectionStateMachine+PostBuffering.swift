import NIOCore

/// `--http-post-buffering N`: a request with a Content-Length body is read whole before it is
/// routed and its node connected. Up to N body bytes are held in memory and travel with the
/// packet (so the request can still be retried on another node); a longer body goes to an
/// unlinked spool file as it arrives and is sent to the node from there, a chunk at a time
/// under the node link's backpressure. Chunked (`Transfer-Encoding`) requests are relayed raw
/// as without the option: uWSGI's HTTP router does not buffer them either.
///
/// The body phase has the session's inactivity timeout (`--http-timeout`); a client that stops
/// sending is answered 408. A spool file that cannot be written (missing directory, full disk)
/// or read back is answered 502.
extension HTTPConnectionStateMachine {
    /// Starts reading the body of `request` (`length` > 0 bytes) with the bytes already held.
    mutating func startBuffering(_ request: Request, length: Int, armTimer: NIODeadline?, interim: ByteBuffer?) -> Action {
        var r = request
        // A spooled body is not kept for a retry (that would hold it in memory).
        if length > configuration.postBuffering { r.retry = .never }
        var buffer = PostBuffer(limit: configuration.postBuffering, length: length)
        let spool = buffer.take(from: &inbound)
        postBuffer = buffer
        state = .bufferingBody(r)
        if spool == nil, buffer.isComplete { return bodyBuffered(r, armTimer: armTimer, interim: interim) }
        return .holdBody(interim: interim, spool: spool, armTimer: armTimer)
    }

    /// Client bytes while the body is read.
    mutating func bufferBody(_ bytes: inout ByteBuffer, _ r: Request) -> Action {
        deadline.activity = true
        guard var buffer = postBuffer else { return .none }
        let spool = buffer.take(from: &bytes)
        postBuffer = buffer
        // Bytes past the body are the next request's (a pipelining client): one read at most.
        if bytes.readableBytes > 0 { inbound.writeBuffer(&bytes) }
        if let spool { return .holdBody(interim: nil, spool: spool, armTimer: nil) }
        return buffer.isComplete ? bodyBuffered(r, armTimer: nil, interim: nil) : .none
    }

    /// The executor appended the bytes of `.holdBody` to the spool file.
    mutating func bodySpooled() -> Action {
        guard case .bufferingBody(let r) = state, let buffer = postBuffer, buffer.isComplete else { return .none }
        return bodyBuffered(r, armTimer: nil, interim: nil)
    }

    /// The spool file could not be created, written or read; `reason` names the directory and
    /// the errno. Answered 502 while nothing of a response was relayed, else the client closed.
    mutating func spoolFailed(_ reason: String) -> Action {
        if case .closed = state { return .none }
        state = .closed
        postBuffer = nil
        spoolSend = nil
        if bytesFromNode > 0 { return .close(.spoolFailed(reason)) }
        return .answer(HTTPErrorResponse.badGateway, .spoolFailed(reason))
    }

    /// Whether a spooled body is being sent: the executor keeps its spool file until then.
    var isSendingSpool: Bool { spoolSend != nil }

    /// The chunk of `.sendSpooled` was written to the node (`writable`: the link takes more).
    mutating func spooledChunkSent(writable: Bool) -> Action {
        guard var send = spoolSend else { return .none }
        bytesToNode &+= UInt64(send.next.length)
        send.sent()
        deadline.activity = true
        if send.isDone {
            spoolSend = nil
            return .flushNode
        }
        let chunk = send.nextChunk(writable: writable)
        spoolSend = send
        guard let chunk else { return .flushNode }
        return .sendSpooled(offset: chunk.offset, length: chunk.length)
    }

    /// The body phase's timer fired: re-armed after activity, else answered 408.
    mutating func bodyDeadlineFired(now: NIODeadline) -> Action {
        if let next = deadline.inactivityCheck(now: now, timeout: configuration.timeout) {
            return .armTimer(next)
        }
        state = .closed
        postBuffer = nil
        return .answer(HTTPErrorResponse.requestTimeout, .bodyTimeout)
    }

    /// The node accepted a request whose body was spooled: its chunks go first.
    mutating func sendSpooledFirst(_ r: inout Request, writable: Bool) -> Action? {
        guard var send = spoolSend else { return nil }
        state = .awaitingResponse(r)
        guard writable else {
            send.waitingForWritable = true
            spoolSend = send
            return .connected(write: nil, resumeClientReads: false)
        }
        return .sendSpooled(offset: send.next.offset, length: send.next.length)
    }

    /// The node's link became writable while a spooled body waits for it.
    mutating func resumeSpool() -> Action? {
        guard let chunk = spoolSend?.resume() else { return nil }
        return .sendSpooled(offset: chunk.offset, length: chunk.length)
    }

    /// The whole body arrived: it joins the packet (or stays spooled) and the request is routed.
    private mutating func bodyBuffered(_ request: Request, armTimer: NIODeadline?, interim: ByteBuffer?) -> Action {
        var r = request
        r.bodyRemaining = 0
        if var buffer = postBuffer { spoolSend = buffer.finish(into: &packet) }
        postBuffer = nil
        state = .routing(r)
        return .route(key: key, armTimer: armTimer, interim: interim)
    }
}
