import Logging
import NIOCore
import RouterWire

extension HTTPRouterHandler: UpstreamDelegate {
    func upstreamConnected(_ link: any UpstreamLink) {
        guard let lease else { return }
        shared.plane.policy.connected(lease)
        guard state == .connecting else {
            link.close()  // the client left while we were connecting
            return
        }
        self.link = link
        session.state = .relaying
        responseMode = keepAlive ? .scanning : .passthrough
        responseHead.clear()
        responseBodyRemaining = nil
        // The state first: a flush to a node that just died closes the link at once, and
        // `upstreamClosed` must then see the request as sent to retry it.
        if raw {
            state = .raw
        } else {
            state = bodyRemaining > 0 ? .body : .awaitingResponse
        }
        if pendingBody.readableBytes > 0 {
            toNode &+= UInt64(pendingBody.readableBytes)
            if replayable { packet.writeImmutableBuffer(pendingBody) }
            let body = pendingBody
            pendingBody = ByteBuffer()
            link.write(body)
            link.flush()
        }
        if link.isWritable { resumeReading() }
    }

    func upstreamConnectFailed(_ error: any Error) {
        guard let failed = lease else { return }
        lease = nil
        if !shared.plane.logger.logLevel.isQuiet {
            logger.notice(
                "unable to connect() to node",
                metadata: ["node": "\(session.node?.name ?? "-")", "error": "\(error)"]
            )
        }
        let decision = shared.plane.policy.connectFailed(failed, error: error)
        guard state == .connecting, let context else {
            if case .node(let target) = decision {
                shared.plane.policy.finished(target.lease, bytesFromNode: 0, bytesToNode: 0)
            }
            return
        }
        switch decision {
        case .node(let target):
            setModifiers(target)
            connect(target, context: context)
        case .refused(let reason):
            refuse(reason == .noNode || reason == .cheap ? .retriesExhausted : reason, key: session.key)
        }
    }

    func upstreamRead(_ bytes: ByteBuffer) {
        if replayable {
            // The node answered: no retry from here on, and the kept request can go.
            replayable = false
            packet = ByteBuffer()
        }
        fromNode &+= UInt64(bytes.readableBytes)
        activity = true
        switch responseMode {
        case .passthrough:
            if let remaining = responseBodyRemaining { responseBodyRemaining = remaining - bytes.readableBytes }
            writeToClient(bytes)
        case .chunked:
            writeChunk(bytes)
        case .scanning:
            var bytes = bytes
            if responseHead.readableBytes == 0 { responseHead = bytes } else { responseHead.writeBuffer(&bytes) }
            scanResponseHead()
        }
    }

    func upstreamReadComplete() {
        context?.flush()
    }

    func upstreamInputClosed() {
        link?.close()
    }

    func upstreamWritabilityChanged(_ writable: Bool) {
        if writable { resumeReading() }
    }

    func upstreamClosed() {
        link = nil
        if fromNode == 0, replayable, state == .awaitingResponse, bodyRemaining == 0, context != nil {
            retryUnanswered()
            return
        }
        if let lease {
            shared.plane.policy.finished(lease, bytesFromNode: fromNode, bytesToNode: toNode)
            self.lease = nil
        }
        guard state != .closing, let context else { return }
        if fromNode == 0 {
            logger.warning("502: node closed without answering", metadata: ["node": "\(session.node?.name ?? "-")"])
            fail(HTTPErrorResponse.badGateway, why: nil)
            return
        }
        switch responseMode {
        case .scanning:
            // The head never completed: hand over what came and end the connection.
            keepAlive = false
            writeToClient(responseHead)
            responseHead = ByteBuffer()
        case .chunked:
            writeToClient(ChunkEncoder.lastChunk)
        case .passthrough:
            break
        }
        if let remaining = responseBodyRemaining, remaining > 0 { keepAlive = false }
        if keepAlive, !stopping, state == .awaitingResponse {
            context.flush()
            state = .head
            session.state = .waiting
            link = nil
            resumeReading()
            startHeadDeadline()
            if inbound.readableBytes > 0 { processHead(context: context) }
        } else {
            state = .closing
            session.state = .closed
            flushAndClose(context)
        }
    }

    /// The node closed before its first response byte and the whole request is still held:
    /// the policy treats it as a failed connect and the request goes to the next node.
    private func retryUnanswered() {
        guard let failed = lease, let context else { return }
        lease = nil
        let error = UpstreamClosedBeforeResponse()
        if !shared.plane.logger.logLevel.isQuiet {
            logger.notice("node closed before answering, retrying", metadata: ["node": "\(session.node?.name ?? "-")"])
        }
        switch shared.plane.policy.connectFailed(failed, error: error) {
        case .node(let target):
            state = .connecting
            session.state = .connecting
            toNode = UInt64(packet.readableBytes)
            setModifiers(target)
            connect(target, context: context)
        case .refused:
            logger.warning("502: node closed without answering", metadata: ["node": "\(session.node?.name ?? "-")"])
            fail(HTTPErrorResponse.badGateway, why: nil)
        }
    }

    // MARK: response

    private func writeToClient(_ bytes: ByteBuffer) {
        guard let context else { return }
        session.tx &+= UInt64(bytes.readableBytes)
        context.write(wrapOutboundOut(bytes), promise: nil)
        if !context.channel.isWritable { link?.setReading(false) }
    }

    private func writeChunk(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0, let context else { return }
        writeToClient(ChunkEncoder.sizeLine(bytes.readableBytes, allocator: context.channel.allocator))
        writeToClient(bytes)
        writeToClient(ChunkEncoder.chunkEnd)
    }

    /// Applies the keep-alive rules (§5.1 `http_response_parse`) once the head is complete.
    private func scanResponseHead() {
        guard let info = HTTPResponseHead.scan(responseHead) else {
            if responseHead.readableBytes > shared.options.maxHeadSize {
                keepAlive = false
                responseMode = .passthrough
                writeToClient(responseHead)
                responseHead = ByteBuffer()
            }
            return
        }
        var head = responseHead
        responseHead = ByteBuffer()
        let eligible = info.isHTTP11 && !info.connectionClose && !info.hasTrailers
        let bodiless = isHEAD || info.isBodiless
        if eligible, info.contentLength != nil || info.hasTransferEncoding || bodiless {
            responseMode = .passthrough
            if let length = info.contentLength, !info.hasTransferEncoding {
                responseBodyRemaining = bodiless ? 0 : length - (head.readableBytes - info.headLength)
            }
            writeToClient(head)
            return
        }
        guard let front = head.readSlice(length: info.headLength - 2) else { return }
        writeToClient(front)
        if eligible, shared.options.autoChunked {
            writeToClient(ChunkEncoder.chunkedHeader)
            responseMode = .chunked
        } else {
            keepAlive = false
            responseMode = .passthrough
            if !info.hasConnection { writeToClient(ChunkEncoder.closeHeader) }
        }
        if let blank = head.readSlice(length: 2) { writeToClient(blank) }
        if responseMode == .chunked { writeChunk(head) } else if head.readableBytes > 0 { writeToClient(head) }
    }
}

extension Logger.Level {
    /// Whether connect failures should stay out of the log (`--xxx-quiet`).
    var isQuiet: Bool { self > .notice }
}
