import NIOCore

/// `--fastrouter-post-buffering N` (§5.3 step 4): when the packet announces a body
/// (`CONTENT_LENGTH` > 0), the whole body is read before the request is routed and its node
/// connected. Up to N bytes are held in memory and travel with the packet (the request can still
/// be retried on another node); a longer body goes to an unlinked spool file as it arrives and
/// is sent from there, a chunk at a time under the node link's backpressure. Client bytes past
/// the body wait until it is sent, then the relay is plain.
///
/// The body phase has the session's inactivity timeout (`--fastrouter-timeout`); the client is
/// closed, as every fast-router error does, when the body stops arriving, when the client
/// shuts its output early, or when the spool file cannot be written or read.
extension StreamConnectionStateMachine {
    /// Starts reading the body after the packet's `headLength` bytes in `inbound`.
    mutating func startBuffering(headLength: Int, bodyLength: Int, retry: UnansweredRequest) -> Action {
        packet = inbound.readSlice(length: headLength) ?? ByteBuffer()
        // A spooled body is not kept for a retry (that would hold it in memory).
        let r = Relay(retry: bodyLength > configuration.postBuffering ? .never : retry)
        var buffer = PostBuffer(limit: configuration.postBuffering, length: bodyLength)
        let spool = buffer.take(from: &inbound)
        postBuffer = buffer
        state = .buffering(r)
        if let spool { return .spoolBody(spool) }
        return buffer.isComplete ? bodyBuffered(r) : .none
    }

    /// Client bytes while the body is read; bytes past it wait in `inbound`.
    mutating func bufferBody(_ bytes: inout ByteBuffer, _ r: Relay) -> Action {
        guard var buffer = postBuffer else { return .none }
        let spool = buffer.take(from: &bytes)
        postBuffer = buffer
        if bytes.readableBytes > 0 { inbound.writeBuffer(&bytes) }
        if let spool { return .spoolBody(spool) }
        return buffer.isComplete ? bodyBuffered(r) : .none
    }

    /// The executor appended the bytes of `.spoolBody` to the spool file.
    mutating func bodySpooled() -> Action {
        guard case .buffering(let r) = state, let buffer = postBuffer, buffer.isComplete else { return .none }
        return bodyBuffered(r)
    }

    /// The spool file could not be created, written or read; `reason` names the directory and
    /// the errno.
    mutating func spoolFailed(_ reason: String) -> Action {
        if case .closed = state { return .none }
        state = .closed
        postBuffer = nil
        spoolSend = nil
        return .close(.spoolFailed(reason))
    }

    /// Whether a spooled body is being sent: the executor keeps its spool file until then.
    var isSendingSpool: Bool { spoolSend != nil }

    /// The chunk of `.sendSpooled` was written to the node (`writable`: the link takes more).
    /// After the last one, client bytes held meanwhile follow and the relay is plain.
    mutating func spooledChunkSent(writable: Bool) -> Action {
        guard var send = spoolSend, case .relaying(let r) = state else { return .none }
        bytesToNode &+= UInt64(send.next.length)
        send.sent()
        deadline.activity = true
        if send.isDone {
            spoolSend = nil
            var write: ByteBuffer?
            if inbound.readableBytes > 0 {
                bytesToNode &+= UInt64(inbound.readableBytes)
                write = inbound
                inbound = ByteBuffer()
            }
            let resume = clientReadsPaused
            if resume { clientReadsPaused = false }
            return .connected(write: write ?? ByteBuffer(), shutdownNodeOutput: r.clientInputClosed, resumeClientReads: resume)
        }
        let chunk = send.nextChunk(writable: writable)
        spoolSend = send
        guard let chunk else { return .flushNode }
        return .sendSpooled(offset: chunk.offset, length: chunk.length)
    }

    /// The node accepted a request whose body was spooled: its chunks go first.
    mutating func sendSpooledFirst(_ relay: Relay, writable: Bool) -> Action? {
        guard var send = spoolSend else { return nil }
        bytesToNode &+= UInt64(packet.readableBytes)
        packet = ByteBuffer()
        state = .relaying(relay)
        guard writable else {
            send.waitingForWritable = true
            spoolSend = send
            return .connected(write: nil, shutdownNodeOutput: false, resumeClientReads: false)
        }
        return .sendSpooled(offset: send.next.offset, length: send.next.length)
    }

    /// The node's link became writable while a spooled body waits for it.
    mutating func resumeSpool() -> Action? {
        guard let chunk = spoolSend?.resume() else { return nil }
        return .sendSpooled(offset: chunk.offset, length: chunk.length)
    }

    /// The whole body arrived: it joins the packet (or stays spooled) and the key is routed.
    private mutating func bodyBuffered(_ relay: Relay) -> Action {
        if var buffer = postBuffer { spoolSend = buffer.finish(into: &packet) }
        postBuffer = nil
        state = .routing(relay)
        return .route(key: key, armTimer: nil)
    }
}
