import CLeanSockets
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The client side every lean executor shares: one accepted socket registered once, reads
/// through the loop's buffer pool with backpressure (a paused socket's edge is remembered and
/// re-read later), writes queued and flushed with gathered sends, flush-then-close and
/// flush-then-shutdown, a lingering close after an error answer, and the connection's one
/// timer. Subclasses (`LeanHTTPConnection`, `LeanStreamConnection`) turn these events into
/// their machine's events and carry out its actions.
class LeanClientConnection: LeanPollable, LeanTimerTarget, LeanDeferred {
    let loop: LeanEventLoop
    let fd: CInt
    /// The listener's connections on this loop (for the cap and graceful stop).
    let registry: LeanConnectionRegistry
    /// End of input is a half-close to pass on (stream routers), not the end of the client.
    private let halfClose: Bool
    private var output = LeanOutput()
    private var readsOpen = true
    private var readPending = false
    /// The client's hang-up was reported; reads paused then must read on to the end later.
    private var sawHangup = false
    private var inputEnded = false
    private var outputShut = false
    private var afterFlush = AfterFlush.nothing
    private(set) var isClosed = false
    var timerSlot = LeanTimerSlot()
    /// The index in `registry`.
    var registryIndex = -1
    /// Where a lingering close is (`flushAndLinger`): the answer is flushed, then the input is
    /// read and dropped, all within one deadline.
    private var linger = LingerPhase.none
    private var lingerDiscarded = 0
    /// A stream session's zero-copy relay, while it carries the client's bytes
    /// (`LeanSplice`): readiness and reads go to it instead of the buffered path.
    var splice: LeanSplice?

    private enum AfterFlush { case nothing, close, linger, shutdownOutput }
    private enum LingerPhase { case none, flushing, dropping }

    init(loop: LeanEventLoop, fd: CInt, registry: LeanConnectionRegistry, halfClose: Bool) {
        self.loop = loop
        self.fd = fd
        self.registry = registry
        self.halfClose = halfClose
    }

    // MARK: hooks

    /// Bytes from the client.
    func clientRead(_ bytes: ByteBuffer) {}
    /// The end of a read burst.
    func clientReadComplete() {}
    /// The client shut its output (only with `halfClose`).
    func clientInputClosed() {}
    /// The client socket's queue crossed a watermark.
    func clientWritabilityChanged(_ writable: Bool) {}
    /// The client socket is closed.
    func clientClosed() {}
    /// The connection's deadline passed.
    func deadlineFired() {}
    /// The router stops: finish what is under way, take nothing new.
    func stopRequested() {}

    // MARK: events

    /// Registers the socket; false (and the socket closed) when epoll refuses it.
    func activate() -> Bool {
        do { try loop.register(fd, handler: self) } catch {
            close()
            return false
        }
        return true
    }

    func ready(_ events: UInt32) {
        guard !isClosed else { return }
        if events & lean_epollout != 0, !output.isEmpty { flush() }
        if let splice, !isClosed {
            splice.ready(.client, events)
            return
        }
        guard !isClosed, events & (lean_epollin | lean_epollrdhup | lean_epollhup | lean_epollerr) != 0 else { return }
        if linger == .dropping {
            dropInput()
            return
        }
        if events & lean_epollerr != 0, inputEnded || !readsOpen {
            close()
            return
        }
        if events & (lean_epollrdhup | lean_epollhup | lean_epollerr) != 0 { sawHangup = true }
        if readsOpen {
            readAll()
        } else {
            readPending = true
        }
    }

    private func readAll() {
        guard !inputEnded else { return }
        if let splice {
            splice.pump(.toNode)
            return
        }
        let hangup = sawHangup
        var got = false
        var reads = 0
        loop: while !isClosed, splice == nil {
            guard readsOpen else {
                readPending = true
                break
            }
            guard reads < 16 else {
                readPending = true
                loop.later(self)
                break
            }
            reads += 1
            let count = loop.readOnce(fd) { clientRead($0) }
            switch count {
            case 1...:
                got = true
                if count < loop.buffers.bufferSize, !hangup { break loop }
            case 0:
                if got { clientReadComplete() }
                endOfInput()
                return
            case -Int(EINTR):
                continue
            case -Int(EAGAIN), -Int(EWOULDBLOCK):
                break loop
            default:
                close()
                return
            }
        }
        if got, !isClosed { clientReadComplete() }
    }

    /// Whether the client's end of input was read.
    var inputHasEnded: Bool { inputEnded }

    /// Whether bytes wait in the client's queue (a splice into the socket waits for them).
    var hasQueuedOutput: Bool { !output.isEmpty }

    /// The splice read the client's end of input: handled as a read end would be.
    func spliceInputEnded() {
        endOfInput()
    }

    /// The splice handed the session back to the buffered copy: reads go on the buffered way.
    func resumeBufferedReads() {
        guard !isClosed, !inputEnded else { return }
        readPending = true
        if readsOpen { loop.later(self) }
    }

    private func endOfInput() {
        guard !isClosed else { return }
        inputEnded = true
        if halfClose, afterFlush != .close {
            clientInputClosed()
            if outputShut { close() }
        } else {
            close()
        }
    }

    func runDeferred() {
        if linger == .dropping, !isClosed {
            dropInput()
            return
        }
        guard !isClosed, readsOpen, readPending else { return }
        readPending = false
        readAll()
    }

    func timerFired() {
        guard !isClosed else { return }
        if linger != .none {
            close()
            return
        }
        deadlineFired()
    }

    // MARK: actions

    /// Makes sure the deadline fires no later than `deadline`.
    func arm(_ deadline: NIODeadline) {
        guard !isClosed else { return }
        loop.arm(self, at: deadline)
    }

    /// Queues bytes for the client; false when the queue went over the high watermark.
    @discardableResult
    func write(_ bytes: ByteBuffer) -> Bool {
        guard !isClosed else { return true }
        return output.enqueue(bytes)
    }

    /// Whether the client's queue is under the watermark.
    var isWritable: Bool { output.isWritable }

    /// Sends what is queued; a failed send closes the client.
    func flush() {
        guard !isClosed else { return }
        let hadQueue = !output.isEmpty
        var becameWritable = false
        switch output.flush(fd, becameWritable: &becameWritable) {
        case .drained:
            // A splice into the client waited for the queue.
            if hadQueue, let splice { splice.kick() }
            switch afterFlush {
            case .nothing:
                break
            case .close:
                close()
                return
            case .linger:
                afterFlush = .nothing
                if inputEnded {
                    close()
                    return
                }
                startLingering()
                return
            case .shutdownOutput:
                afterFlush = .nothing
                outputShut = true
                _ = Glibc.shutdown(fd, CInt(SHUT_WR))
                if inputEnded {
                    close()
                    return
                }
            }
        case .blocked:
            break
        case .failed:
            close()
            return
        }
        if becameWritable { clientWritabilityChanged(true) }
    }

    /// Sends what is queued, then closes the client.
    func flushAndClose() {
        guard !isClosed else { return }
        afterFlush = .close
        readsOpen = false
        flush()
    }

    /// Sends what is queued (an answer the client's request did not get to finish), shuts the
    /// client's output, and reads and drops its input within `LingeringClose`'s bounds before
    /// the close: a 408, 400 or 413 must reach the client, not be destroyed by a reset.
    /// One deadline covers the flush and the reading: a client that reads nothing is closed
    /// at it too.
    func flushAndLinger() {
        guard !isClosed else { return }
        afterFlush = .linger
        readsOpen = false
        linger = .flushing
        loop.disarm(self)
        loop.arm(self, at: loop.now + LingeringClose.timeLimit)
        flush()
    }

    private func startLingering() {
        linger = .dropping
        outputShut = true
        _ = Glibc.shutdown(fd, CInt(SHUT_WR))
        dropInput()
    }

    /// Reads and drops what the client sent, closing at its end, on an error, or past the byte
    /// limit; one burst per call, the rest after the loop's other events.
    private func dropInput() {
        var reads = 0
        while !isClosed {
            guard reads < 16 else {
                loop.later(self)
                return
            }
            reads += 1
            let count = loop.readOnce(fd) { _ in }
            switch count {
            case 1...:
                lingerDiscarded += count
                if lingerDiscarded > LingeringClose.byteLimit { close() }
            case -Int(EINTR):
                continue
            case -Int(EAGAIN), -Int(EWOULDBLOCK):
                return
            default:
                close()
            }
        }
    }

    /// The router stops: a lingering close ends now, anything else is asked to finish.
    func stop() {
        if linger != .none { close() } else { stopRequested() }
    }

    /// Sends what is queued, then shuts the client's output.
    func flushAndShutdownOutput() {
        guard !isClosed, afterFlush == .nothing else { return }
        afterFlush = .shutdownOutput
        flush()
    }

    /// Holds client reads (backpressure).
    func pauseReads() {
        readsOpen = false
    }

    /// Lets client reads through again, re-reading after the current event when an edge came
    /// meanwhile.
    func resumeReads() {
        guard !readsOpen, afterFlush != .close else { return }
        readsOpen = true
        if readPending { loop.later(self) }
    }

    /// Closes the client at once.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        splice?.detach()
        loop.disarm(self)
        loop.close(fd)
        output.discard()
        registry.remove(self)
        clientClosed()
    }
}
