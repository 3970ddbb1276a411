import NIOCore

/// What the two lean node connections (`LeanUpstream` on epoll, `LeanRingUpstream` on
/// io_uring) share: the connection's state, its queued output and half-close flags, its
/// connect deadline, and the delegate, which hears of a failed connect or of the close once
/// and nothing after. Subclasses supply the socket calls.
class LeanUpstreamBase: UpstreamLink, LeanTimerTarget {
    /// Where the connection is in its life.
    enum State { case connecting, active, closed }

    let loop: LeanEventLoop
    let allowHalfClosure: Bool
    /// Close with a reset (`SO_LINGER` 0) once the node ended its output (`--http-nolinger`).
    let resetAtEnd: Bool
    var delegate: (any UpstreamDelegate)?
    var state = State.connecting
    var output = LeanOutput()
    var shutdownPending = false
    var outputShut = false
    /// Set by `finish(within:)`: the socket closes once the queued output is sent.
    var finishing = false
    var timerSlot = LeanTimerSlot()

    init(loop: LeanEventLoop, allowHalfClosure: Bool, resetAtEnd: Bool, delegate: any UpstreamDelegate) {
        self.loop = loop
        self.allowHalfClosure = allowHalfClosure
        self.resetAtEnd = resetAtEnd
        self.delegate = delegate
    }

    // MARK: for subclasses

    /// Closes the socket (and, on io_uring, cancels what is in flight on it).
    func releaseSocket(reset: Bool) {}

    /// The connect deadline passed.
    func connectTimedOut() {}

    /// The connect deadline, or a finishing connection's limit, passed.
    final func timerFired() {
        switch state {
        case .connecting: connectTimedOut()
        case .active: if finishing { close() }
        case .closed: break
        }
    }

    /// Tells the delegate the connect failed; it hears nothing more.
    final func reportConnectFailed(_ error: any Error) {
        let delegate = self.delegate
        self.delegate = nil
        delegate?.upstreamConnectFailed(error)
    }

    /// Closes, with a reset when `reset`, and tells the delegate if the connection was up.
    final func close(reset: Bool) {
        guard state != .closed else { return }
        let wasActive = state == .active
        state = .closed
        loop.disarm(self)
        releaseSocket(reset: reset)
        output.discard()
        let delegate = self.delegate
        self.delegate = nil
        if wasActive { delegate?.upstreamClosed() }
    }

    // MARK: UpstreamLink

    var isWritable: Bool { state == .active && output.isWritable }

    func write(_ bytes: ByteBuffer) {
        guard state != .closed else { return }
        output.enqueue(bytes)
    }

    func flush() {}

    func setReading(_ enabled: Bool) {}

    func shutdownOutput() {
        guard state != .closed else { return }
        shutdownPending = true
        flush()
    }

    func finish(within limit: TimeAmount) {
        guard state == .active, !finishing else { return }
        if outputShut {
            close()
            return
        }
        finishing = true
        shutdownPending = true
        loop.disarm(self)
        loop.arm(self, at: loop.now + limit)
        flush()
    }

    func close() {
        close(reset: false)
    }

    func abandon() {
        delegate = nil
        close()
    }
}
