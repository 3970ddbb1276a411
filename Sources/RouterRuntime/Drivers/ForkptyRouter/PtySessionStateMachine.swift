import NIOCore
import RouterWire

/// One forkpty connection's life as a value: the client socket, the pty's master side and the
/// child on the slave side, each with its own state. Methods are named after events and return
/// the actions `ForkptySessionHandler` carries out; nothing here does I/O or reads a clock.
///
/// - The child is spawned when the client connects; client reads stay paused until the pty is
///   attached to the event loop. A child that cannot start gets an error line, then a close.
/// - Bytes flow both ways with backpressure: a client that cannot take more pauses pty reads,
///   a pty that cannot take more pauses client reads.
/// - Framed input (`--forkptyurouter`): rows and columns of 1–65534 resize at once; signal
///   numbers 1–31 go to the child; anything else is logged and dropped.
/// - The pty closing (the child side is gone) closes the client after its output is flushed.
///   The client closing closes the pty and hangs up the child (SIGHUP), then SIGKILL if it is
///   still there after the grace.
/// - The child is reaped by polling: quickly while it is expected to end, slowly while it runs
///   (a child can exit while a background grandchild keeps the pty open).
/// - The session is `finished` when the client is closed, the pty is closed and the child is
///   reaped, never before.
struct PtySessionStateMachine {
    /// What one session is configured with.
    struct Configuration: Sendable, Equatable {
        /// True for `--forkptyurouter` (uwsgi-framed client input).
        var framed: Bool
        /// The starting window rows.
        var rows: UInt16 = 24
        /// The starting window columns.
        var columns: UInt16 = 80
        /// Inactivity timeout: no byte either way for this long closes the client.
        var timeout: TimeAmount = .seconds(60)
        /// How long a hung-up (or orphaned) child may take to exit before SIGKILL.
        var hangupGrace: TimeAmount = .seconds(3)
        /// The first interval between reap checks of an ending child; it doubles up to the maximum.
        var reapInterval: TimeAmount = .milliseconds(2)
        /// The longest interval between reap checks of an ending child.
        var reapIntervalMaximum: TimeAmount = .milliseconds(200)
        /// The interval between reap checks of a running child.
        var runningReapInterval: TimeAmount = .seconds(1)
    }

    /// What the handler does next.
    enum Action: Equatable {
        /// Open a pty of this size and spawn the child on it.
        case spawn(rows: UInt16, columns: UInt16)
        /// Register the pty's master with the event loop.
        case attachPty
        /// Write the line to the client, then close it once flushed.
        case refuse(String)
        /// Write client input to the pty.
        case writeToPty(ByteBuffer)
        /// Flush what was written to the pty.
        case flushPty
        /// Set the window size (TIOCSWINSZ).
        case resize(rows: UInt16, columns: UInt16)
        /// Send the signal to the pty's foreground process group.
        case signal(Int32)
        /// Send SIGHUP to the child.
        case hangUpChild
        /// Send SIGKILL to the child.
        case killChild
        /// Check (without blocking) whether the child has exited, after the interval.
        case checkChild(after: TimeAmount)
        /// Write pty output to the client.
        case writeToClient(ByteBuffer)
        /// Flush what was written to the client.
        case flushClient
        /// Close the client once everything written to it is flushed.
        case closeClientAfterFlush
        /// Close the client now.
        case closeClient
        /// Close the pty's master.
        case closePty
        /// Hold client reads.
        case pauseClientReads
        /// Let client reads through again.
        case resumeClientReads
        /// Hold pty reads.
        case pausePtyReads
        /// Let pty reads through again.
        case resumePtyReads
        /// Fire `deadlineFired` at this time.
        case armDeadline(NIODeadline)
        /// Log a line about input dropped or a session ending.
        case log(String)
        /// The session is over: unlist it.
        case finished
    }

    private enum Client: Equatable { case open, closing, closed }
    private enum Pty: Equatable { case none, attaching, open, closed }
    private enum Child: Equatable {
        case none
        case running(pid: Int32)
        /// Expected to end: the client left (hung up) or the pty closed; killed past `deadline`.
        case ending(pid: Int32, deadline: NIODeadline, interval: TimeAmount, killed: Bool)
        case reaped
    }

    let configuration: Configuration
    private var client = Client.open
    private var pty = Pty.none
    private var child = Child.none
    private var rows: UInt16
    private var columns: UInt16
    private var lastActivity = NIODeadline.uptimeNanoseconds(0)
    private var started = false
    private var isFinished = false

    /// A session that has not started.
    init(configuration: Configuration) {
        self.configuration = configuration
        self.rows = configuration.rows
        self.columns = configuration.columns
    }

    /// The window size in force.
    var windowSize: (rows: UInt16, columns: UInt16) { (rows, columns) }

    /// The child's pid while it is not reaped.
    var childPid: Int32? {
        switch child {
        case .running(let pid), .ending(let pid, _, _, _): pid
        case .none, .reaped: nil
        }
    }

    // MARK: client events

    /// The client connected: spawn the child; client reads wait for the pty.
    mutating func start(now: NIODeadline) -> [Action] {
        guard !started else { return [] }
        started = true
        lastActivity = now
        return [.pauseClientReads, .spawn(rows: rows, columns: columns), .armDeadline(now + configuration.timeout)]
    }

    /// Client bytes in raw mode, or a framed input payload.
    mutating func clientInput(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] {
        guard client == .open, pty == .open else { return [] }
        lastActivity = now
        return [.writeToPty(bytes)]
    }

    /// One frame of `--forkptyurouter` input.
    mutating func clientFrame(_ frame: ForkptyFrame, now: NIODeadline) -> [Action] {
        guard client == .open, pty == .open else { return [] }
        switch frame {
        case .input(let bytes):
            return clientInput(bytes, now: now)
        case .rows(let value):
            lastActivity = now
            return resize(rows: value, columns: columns, side: "rows", value: value)
        case .columns(let value):
            lastActivity = now
            return resize(rows: rows, columns: value, side: "cols", value: value)
        case .signal(let number):
            lastActivity = now
            guard Self.deliverableSignals.contains(number) else {
                return [.log("forkpty: modifier2 \(number) is neither input, rows, cols nor a signal 1-31; dropped")]
            }
            return [.signal(Int32(number))]
        }
    }

    /// A batch of client reads ended.
    mutating func clientReadComplete() -> [Action] {
        pty == .open ? [.flushPty] : []
    }

    /// Framed input that cannot be decoded: the client is closed.
    mutating func clientProtocolError(_ reason: String) -> [Action] {
        guard client == .open else { return [] }
        client = .closing
        return [.log("forkpty: bad framed input: \(reason); closing the client"), .closeClient]
    }

    /// The client can (or cannot) take more output.
    mutating func clientWritabilityChanged(_ writable: Bool) -> [Action] {
        guard pty == .open else { return [] }
        return [writable ? .resumePtyReads : .pausePtyReads]
    }

    /// The client connection closed (EOF, reset, or our own close).
    mutating func clientClosed(now: NIODeadline) -> [Action] {
        guard client != .closed else { return [] }
        client = .closed
        var actions: [Action] = []
        if pty == .open || pty == .attaching { actions.append(.closePty) }
        if let check = childEnding(now: now) { actions += [.hangUpChild, check] }
        return actions + finishIfDone()
    }

    /// No byte moved for a while, or the deadline armed earlier is due.
    mutating func deadlineFired(now: NIODeadline) -> [Action] {
        guard client == .open || client == .closing else { return [] }
        let due = lastActivity + configuration.timeout
        guard now >= due else { return [.armDeadline(due)] }
        client = .closing
        return [.log("forkpty: session idle for \(configuration.timeout.nanoseconds / 1_000_000_000) s; closing"), .closeClient]
    }

    /// An operator kicked the session, or the router is stopping.
    mutating func closeRequested() -> [Action] {
        guard client == .open else { return [] }
        client = .closing
        return [.closeClient]
    }

    // MARK: child and pty events

    /// The child runs on the pty.
    mutating func spawned(pid: Int32) -> [Action] {
        guard case .none = child else { return [] }
        child = .running(pid: pid)
        pty = .attaching
        return [.attachPty, .checkChild(after: configuration.runningReapInterval)]
    }

    /// The pty or the child could not be started.
    mutating func spawnFailed(_ reason: String) -> [Action] {
        guard client == .open else { return finishIfDone() }
        client = .closing
        return [.log("forkpty: \(reason)"), .refuse("fleetrouter: \(reason)\r\n")]
    }

    /// The master is registered: client input may flow.
    mutating func ptyAttached() -> [Action] {
        guard pty == .attaching else { return [] }
        pty = .open
        guard client == .open else { return [.closePty] }
        return [.resumeClientReads]
    }

    /// Pty output for the client.
    mutating func ptyOutput(_ bytes: ByteBuffer, now: NIODeadline) -> [Action] {
        guard client == .open || client == .closing else { return [] }
        lastActivity = now
        return [.writeToClient(bytes)]
    }

    /// A batch of pty reads ended.
    mutating func ptyReadComplete() -> [Action] {
        client == .closed ? [] : [.flushClient]
    }

    /// The pty can (or cannot) take more input.
    mutating func ptyWritabilityChanged(_ writable: Bool) -> [Action] {
        guard client == .open else { return [] }
        return [writable ? .resumeClientReads : .pauseClientReads]
    }

    /// The pty's master closed: every slave descriptor is gone (EIO), or we closed it. The
    /// client gets what was read, then a close; the child is reaped (and killed past the grace).
    mutating func ptyClosed(now: NIODeadline) -> [Action] {
        guard pty != .closed else { return [] }
        pty = .closed
        var actions: [Action] = []
        if client == .open || client == .closing {
            client = .closing
            actions.append(.closeClientAfterFlush)
        }
        if let check = childEnding(now: now) { actions.append(check) }
        return actions + finishIfDone()
    }

    /// A reap check ran: `exited` when the child has been reaped.
    mutating func childChecked(exited: Bool, now: NIODeadline) -> [Action] {
        switch child {
        case .none, .reaped:
            return []
        case .running:
            if exited {
                child = .reaped
                return finishIfDone()
            }
            return [.checkChild(after: configuration.runningReapInterval)]
        case .ending(let pid, let deadline, let interval, let killed):
            if exited {
                child = .reaped
                return finishIfDone()
            }
            let next = min(interval * 2, configuration.reapIntervalMaximum)
            if !killed && now >= deadline {
                child = .ending(pid: pid, deadline: deadline, interval: next, killed: true)
                return [.log("forkpty: child \(pid) still running \(configuration.hangupGrace.nanoseconds / 1_000_000) ms after hangup; SIGKILL"),
                        .killChild, .checkChild(after: next)]
            }
            child = .ending(pid: pid, deadline: deadline, interval: next, killed: killed)
            return [.checkChild(after: next)]
        }
    }

    /// A framed resize: applied at once, or refused when a side is 0 or 65535.
    private mutating func resize(rows newRows: UInt16, columns newColumns: UInt16, side: String, value: UInt16) -> [Action] {
        guard Self.validWindowSide.contains(value) else {
            return [.log("forkpty: \(side) \(value) refused (expected 1-\(Self.validWindowSide.upperBound)); window stays \(rows)x\(columns)")]
        }
        rows = newRows
        columns = newColumns
        return [.resize(rows: rows, columns: columns)]
    }

    // MARK: rules

    /// Rows and columns a framed resize may set: 0 and 65535 are refused.
    static let validWindowSide: ClosedRange<UInt16> = 1...65534
    /// Signal numbers a framed packet may send (uWSGI sends any modifier2).
    static let deliverableSignals: ClosedRange<UInt8> = 1...31

    /// A running child is now expected to end: reap checks start, SIGKILL past the grace.
    private mutating func childEnding(now: NIODeadline) -> Action? {
        guard case .running(let pid) = child else { return nil }
        child = .ending(pid: pid, deadline: now + configuration.hangupGrace, interval: configuration.reapInterval, killed: false)
        return .checkChild(after: configuration.reapInterval)
    }

    private mutating func finishIfDone() -> [Action] {
        guard !isFinished, client == .closed, pty == .closed || pty == .none else { return [] }
        switch child {
        case .none, .reaped:
            isFinished = true
            return [.finished]
        case .running, .ending:
            return []
        }
    }
}
