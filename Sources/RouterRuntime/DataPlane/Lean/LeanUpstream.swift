import CLeanSockets
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One node connection on a lean loop, the raw-socket `UpstreamLink`: a socket created
/// non-blocking, registered with epoll once, connected to the node's pre-resolved address with
/// the first bytes sent right after `connect` (no wait for the writable edge when the kernel
/// already took them), and no other socket call per connection. Events reach the delegate on
/// the loop, after the event that caused them, as NIO's upstream handler reports them.
final class LeanUpstream: LeanUpstreamBase, LeanPollable, LeanDeferred {
    let fd: CInt
    /// A raw session's zero-copy relay, while it carries the node's bytes (`LeanSplice`).
    var splice: LeanSplice?
    /// The node's end of input was read (with half-closure allowed).
    private(set) var inputHasEnded = false
    private var reading = true
    /// A readable edge came while reads were paused.
    private var readPending = false
    /// The node's hang-up was reported: its end is in the socket, and no edge will say so
    /// again (reads paused at the time must read on to the end when resumed).
    private var sawHangup = false
    /// What the next `runDeferred` reports.
    private var pendingReport: Report?

    private enum Report {
        case connected
        case failed(LeanSocketError)
        case read
    }

    private init(loop: LeanEventLoop, fd: CInt, allowHalfClosure: Bool, resetAtEnd: Bool, delegate: any UpstreamDelegate) {
        self.fd = fd
        super.init(loop: loop, allowHalfClosure: allowHalfClosure, resetAtEnd: resetAtEnd, delegate: delegate)
    }

    /// Connects to `endpoint` on `loop`, sends `firstBytes`, then reports to `delegate`
    /// exactly as `UpstreamConnector.connect` promises (after the current event).
    static func connect(
        to endpoint: NodeEndpoint, on loop: LeanEventLoop, firstBytes: ByteBuffer,
        options: UpstreamOptions, resetAtEnd: Bool = false, delegate: any UpstreamDelegate
    ) {
        let family = CInt(endpoint.socketAddress.protocol.rawValue)
        let fd = lean_stream_socket(family)
        guard fd >= 0 else {
            let failed = LeanUpstream(loop: loop, fd: -1, allowHalfClosure: false, resetAtEnd: false, delegate: delegate)
            failed.state = .closed
            failed.report(.failed(LeanSocketError(call: "socket", errno: lean_errno())))
            return
        }
        let upstream = LeanUpstream(
            loop: loop, fd: fd, allowHalfClosure: options.allowHalfClosure, resetAtEnd: resetAtEnd, delegate: delegate)
        upstream.start(endpoint, firstBytes: firstBytes, timeout: options.connectTimeout)
    }

    private func start(_ endpoint: NodeEndpoint, firstBytes: ByteBuffer, timeout: TimeAmount) {
        do { try loop.register(fd, handler: self) } catch {
            fail(error)
            return
        }
        let result = endpoint.socketAddress.withSockAddr { address, length in
            lean_connect(fd, address, UInt32(length))
        }
        let established = result == 0
        if !established {
            let error = lean_errno()
            guard error == EINPROGRESS || error == EINTR else {
                fail(LeanSocketError(call: "connect", errno: error))
                return
            }
        }
        output.enqueue(firstBytes)
        var ignored = false
        switch output.flush(fd, becameWritable: &ignored) {
        case .drained:
            report(.connected)
        case .blocked:
            if established || output.pendingBytes < firstBytes.readableBytes {
                report(.connected)
            } else {
                loop.arm(self, at: loop.now + timeout)
            }
        case .failed(let error):
            if established {
                // Accepted, then gone: reported as connected, then closed (the request is retried).
                report(.connected)
            } else {
                fail(LeanSocketError(call: "connect", errno: error))
            }
        }
    }

    private func fail(_ error: LeanSocketError) {
        state = .closed
        if fd >= 0 { loop.close(fd) }
        output.discard()
        report(.failed(error))
    }

    private func report(_ report: Report) {
        pendingReport = report
        loop.later(self)
    }

    func runDeferred() {
        let report = pendingReport
        pendingReport = nil
        switch report {
        case .connected?:
            becomeActive()
        case .failed(let error)?:
            reportConnectFailed(error)
        case .read?:
            if state == .active { readAll() }
        case nil:
            break
        }
    }

    private func becomeActive() {
        guard state == .connecting else { return }
        loop.disarm(self)
        state = .active
        delegate?.upstreamConnected(self)
        flush()
    }

    override func connectTimedOut() {
        fail(LeanSocketError(call: "connect", errno: ETIMEDOUT))
    }

    // MARK: readiness

    func ready(_ events: UInt32) {
        switch state {
        case .closed:
            return
        case .connecting:
            guard pendingReport == nil else { return }
            if events & (lean_epollerr | lean_epollhup) != 0 {
                let error = lean_socket_error(fd)
                fail(LeanSocketError(call: "connect", errno: error == 0 ? ECONNREFUSED : error))
            } else if events & lean_epollout != 0 {
                becomeActive()
            }
        case .active:
            if events & lean_epollout != 0, !output.isEmpty { flush() }
            guard state == .active else { return }
            if let splice {
                splice.ready(.node, events)
                return
            }
            if events & (lean_epollin | lean_epollrdhup | lean_epollhup | lean_epollerr) != 0 {
                if events & (lean_epollrdhup | lean_epollhup | lean_epollerr) != 0 { sawHangup = true }
                if reading {
                    readAll()
                } else {
                    readPending = true
                }
            }
        }
    }

    private func readAll() {
        if let splice {
            splice.pump(.toClient)
            return
        }
        let hangup = sawHangup
        var got = false
        var reads = 0
        loop: while state == .active, splice == nil {
            guard reading else {
                readPending = true
                break
            }
            guard reads < 16 else {
                // More may wait: served after the other sockets' events.
                report(.read)
                break
            }
            reads += 1
            let count = loop.readOnce(fd) { delegate?.upstreamRead($0) }
            switch count {
            case 1...:
                got = true
                guard count < loop.buffers.bufferSize else { continue }
                if !hangup { break loop }
                // The node shut its output and this read drained what it sent: that is the
                // end, known without one more read returning 0.
                if !allowHalfClosure {
                    delegate?.upstreamReadComplete()
                    endOfInput()
                    return
                }
            case 0:
                if got { delegate?.upstreamReadComplete() }
                endOfInput()
                return
            case -Int(EINTR):
                continue
            case -Int(EAGAIN), -Int(EWOULDBLOCK):
                break loop
            default:
                if got { delegate?.upstreamReadComplete() }
                close()
                return
            }
        }
        if got, state == .active { delegate?.upstreamReadComplete() }
    }

    /// Whether bytes wait in the node's queue (a splice into the socket waits for them).
    var hasQueuedOutput: Bool { !output.isEmpty }

    /// The splice read the node's end of input: handled as a read end would be.
    func spliceInputEnded() {
        endOfInput()
    }

    /// The splice handed the session back to the buffered copy: reads go on the buffered way.
    func resumeBufferedReads() {
        guard state == .active, !inputHasEnded else { return }
        if reading {
            report(.read)
        } else {
            readPending = true
        }
    }

    private func endOfInput() {
        guard state == .active else { return }
        if allowHalfClosure {
            inputHasEnded = true
            reading = false
            delegate?.upstreamInputClosed()
            if outputShut { close() }
        } else {
            close(reset: resetAtEnd)
        }
    }

    // MARK: UpstreamLink

    override func flush() {
        guard state == .active, !output.isEmpty || shutdownPending else { return }
        var becameWritable = false
        let hadQueue = !output.isEmpty
        switch output.flush(fd, becameWritable: &becameWritable) {
        case .drained:
            // A splice into the node waited for the queue.
            if hadQueue, let splice { splice.kick() }
            if finishing {
                close()
                return
            }
            if shutdownPending {
                shutdownPending = false
                outputShut = true
                _ = Glibc.shutdown(fd, CInt(SHUT_WR))
            }
        case .blocked:
            break
        case .failed:
            close()
            return
        }
        if becameWritable { delegate?.upstreamWritabilityChanged(true) }
    }

    override func setReading(_ enabled: Bool) {
        reading = enabled
        if enabled, readPending {
            readPending = false
            report(.read)
        }
    }

    override func releaseSocket(reset: Bool) {
        splice?.detach()
        loop.close(fd, reset: reset)
    }
}
