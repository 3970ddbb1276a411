import CLeanRing
import CLeanSockets
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One node connection on a lean loop's io_uring, the completion-based `UpstreamLink`. The
/// socket (created straight into a direct-descriptor slot where the kernel can), the connect,
/// the first send and the first receive go in as one linked chain with the loop's next
/// submit; afterwards at most one send and one receive are in flight. Reports reach the
/// delegate as `LeanUpstream`'s do: connected, then reads, then closed.
final class LeanRingUpstream: LeanUpstreamBase, LeanDeferred, LeanCompletionTarget {
    private enum Operation: UInt8 { case socket = 1, connect, send, receive, shutdown }

    private let ring: LeanRing
    /// A direct-descriptor slot when `fixed`, a descriptor otherwise.
    private var file: CInt = -1
    private var fixed: Int32 = 0
    private var token: UInt32 = 0
    private var holdsToken = false
    /// Requests in flight, one bit per operation (at most one of each).
    private var inFlight: UInt8 = 0
    /// The bytes of the send in flight, kept alive until it completes.
    private var sending: ByteBuffer?
    /// The buffer of the receive in flight, from the loop's pool.
    private var receiving: ByteBuffer?
    private var reading = true
    private var inputEnded = false
    /// A failure found before anything was submitted, reported after the current event.
    private var earlyFailure: LeanSocketError?

    private init(loop: LeanEventLoop, ring: LeanRing, allowHalfClosure: Bool, resetAtEnd: Bool, delegate: any UpstreamDelegate) {
        self.ring = ring
        super.init(loop: loop, allowHalfClosure: allowHalfClosure, resetAtEnd: resetAtEnd, delegate: delegate)
    }

    /// Connects to `endpoint` through `ring`, sends `firstBytes`, then reports to `delegate`
    /// exactly as `UpstreamConnector.connect` promises.
    static func connect(
        to endpoint: NodeEndpoint, on loop: LeanEventLoop, ring: LeanRing, firstBytes: ByteBuffer,
        options: UpstreamOptions, resetAtEnd: Bool, delegate: any UpstreamDelegate
    ) {
        let upstream = LeanRingUpstream(
            loop: loop, ring: ring, allowHalfClosure: options.allowHalfClosure, resetAtEnd: resetAtEnd, delegate: delegate)
        upstream.start(endpoint, firstBytes: firstBytes, timeout: options.connectTimeout)
    }

    private func start(_ endpoint: NodeEndpoint, firstBytes: ByteBuffer, timeout: TimeAmount) {
        let family = CInt(endpoint.socketAddress.protocol.rawValue)
        // A reset close needs `SO_LINGER`, which takes a system call on an ordinary descriptor.
        let slot = ring.createsSockets && !resetAtEnd ? ring.takeSlot() : nil
        if let slot {
            file = slot
            fixed = 1
        } else {
            file = lean_stream_socket(family)
            guard file >= 0 else {
                state = .closed
                earlyFailure = LeanSocketError(call: "socket", errno: lean_errno())
                loop.later(self)
                return
            }
        }
        token = loop.acquireToken(self)
        holdsToken = true
        let address = loop.addressStorage(token)
        let length = endpoint.socketAddress.withSockAddr { pointer, length in
            UnsafeMutableRawPointer(address).copyMemory(from: pointer, byteCount: length)
            return length
        }
        // socket → connect → send → receive, never split across two submits.
        lean_ring_reserve(ring.handle, 4)
        if let slot {
            submit(.socket) { lean_ring_socket(ring.handle, family, UInt32(slot), $0, 1) }
        }
        submit(.connect) { lean_ring_connect(ring.handle, file, fixed, address, UInt32(length), $0, 1) }
        output.enqueue(firstBytes)
        sendHead(linked: true)
        receive()
        loop.arm(self, at: loop.now + timeout)
    }

    @inline(__always)
    private func submit(_ operation: Operation, _ prepare: (UInt64) -> Void) {
        inFlight |= 1 << operation.rawValue
        prepare(LeanEventLoop.ringData(token: token, operation: operation.rawValue))
    }

    private func sendHead(linked: Bool = false) {
        guard sending == nil, let head = output.head else { return }
        sending = head
        head.withUnsafeReadableBytes { bytes in
            // `sending` keeps the storage alive until the completion.
            submit(.send) { lean_ring_send(ring.handle, file, fixed, bytes.baseAddress, bytes.count, $0, linked ? 1 : 0) }
        }
    }

    private func receive() {
        guard receiving == nil, reading, !inputEnded, state != .closed else { return }
        var buffer = loop.buffers.take()
        let (pointer, count) = buffer.withUnsafeMutableWritableBytes { ($0.baseAddress, $0.count) }
        receiving = buffer
        submit(.receive) { lean_ring_recv(ring.handle, file, fixed, pointer, count, $0, 0) }
    }

    // MARK: completions

    func completed(_ operation: UInt8, result: Int32) {
        inFlight &= ~(1 << operation)
        switch Operation(rawValue: operation) {
        case .socket?:
            // The chain behind it is cancelled; the failure is reported here.
            if result < 0 { connectFailed(-result) }
        case .connect?:
            if result < 0 {
                connectFailed(result == -ECANCELED ? ECONNABORTED : -result)
            } else if state == .connecting {
                becomeActive()
            }
        case .send?:
            sent(result)
        case .receive?:
            received(result)
        case .shutdown?, nil:
            break
        }
        if state == .closed, inFlight == 0, holdsToken {
            holdsToken = false
            loop.releaseToken(token)
        }
    }

    private func connectFailed(_ error: CInt) {
        guard state == .connecting else { return }
        state = .closed
        loop.disarm(self)
        releaseSocket(reset: false)
        reportConnectFailed(LeanSocketError(call: "connect", errno: error))
    }

    private func becomeActive() {
        loop.disarm(self)
        state = .active
        delegate?.upstreamConnected(self)
        flush()
    }

    private func sent(_ result: Int32) {
        let bytes = sending
        sending = nil
        guard state == .active else { return }
        guard result >= 0 else {
            close()
            return
        }
        var becameWritable = false
        output.sent(Int(result), becameWritable: &becameWritable)
        withExtendedLifetime(bytes) {}
        flush()
        if becameWritable, state == .active { delegate?.upstreamWritabilityChanged(true) }
    }

    private func received(_ result: Int32) {
        guard var buffer = receiving.take() else { return }
        defer { loop.buffers.give(buffer) }
        guard state == .active else { return }
        switch result {
        case 1...:
            buffer.moveWriterIndex(forwardBy: Int(result))
            delegate?.upstreamRead(buffer)
            guard state == .active else { return }
            delegate?.upstreamReadComplete()
            receive()
        case 0:
            endOfInput()
        case -ECANCELED:
            // The send linked before it failed, and that closes the connection.
            break
        default:
            close()
        }
    }

    private func endOfInput() {
        inputEnded = true
        if allowHalfClosure {
            delegate?.upstreamInputClosed()
            if outputShut { close() }
        } else {
            close(reset: resetAtEnd)
        }
    }

    override func connectTimedOut() {
        connectFailed(ETIMEDOUT)
    }

    func runDeferred() {
        guard let failure = earlyFailure else { return }
        earlyFailure = nil
        reportConnectFailed(failure)
    }

    func loopEnding() {
        abandon()
    }

    // MARK: UpstreamLink

    override func flush() {
        guard state == .active, sending == nil else { return }
        if !output.isEmpty {
            sendHead()
        } else if finishing {
            close()
        } else if shutdownPending {
            shutdownPending = false
            outputShut = true
            if fixed != 0 || ring.shutsDown {
                submit(.shutdown) { lean_ring_shutdown(ring.handle, file, fixed, CInt(SHUT_WR), $0) }
            } else {
                _ = Glibc.shutdown(file, CInt(SHUT_WR))
            }
        }
    }

    override func setReading(_ enabled: Bool) {
        reading = enabled
        if enabled, state == .active { receive() }
    }

    /// Cancels what is in flight and closes the socket; the token goes back once the last
    /// completion is in (the buffers stay alive until then).
    override func releaseSocket(reset: Bool) {
        output.discard()
        var operation: UInt8 = 1
        while operation <= Operation.shutdown.rawValue {
            if inFlight & (1 << operation) != 0 {
                lean_ring_cancel(ring.handle, LeanEventLoop.ringData(token: token, operation: operation), 0)
            }
            operation += 1
        }
        if fixed != 0 {
            lean_ring_close(ring.handle, file, 1, 0)
            ring.giveSlot(file)
        } else {
            if reset { _ = lean_set_linger_zero(file) }
            ring.close(file)
        }
        if inFlight == 0, holdsToken {
            holdsToken = false
            loop.releaseToken(token)
        }
    }
}

extension LeanEventLoop {
    /// Connects a node the way this loop does: through its io_uring, or on epoll.
    func connectUpstream(
        to endpoint: NodeEndpoint, firstBytes: ByteBuffer, options: UpstreamOptions, resetAtEnd: Bool = false,
        delegate: any UpstreamDelegate
    ) {
        if let ring {
            LeanRingUpstream.connect(
                to: endpoint, on: self, ring: ring, firstBytes: firstBytes, options: options, resetAtEnd: resetAtEnd, delegate: delegate)
        } else {
            LeanUpstream.connect(to: endpoint, on: self, firstBytes: firstBytes, options: options, resetAtEnd: resetAtEnd, delegate: delegate)
        }
    }
}
