import CLeanSockets
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The relay of a raw session on a lean loop, once its machine says the bytes may pass
/// untouched (`StreamConnectionStateMachine.relaysUntouched`): each way, `splice(2)` moves what
/// the source socket has into a pipe from the loop's pool and on into the sink socket, never
/// through user memory. A way that has moved a mebibyte is a bulk transfer: while the
/// process's budget has one, it moves on through a large buffer from the loop's
/// `LeanBulkPool` with `read(2)` and `send(2)`, fewer and larger calls than any pipe allows,
/// and its pipe goes back to the pool. It keeps the buffer until its end is passed on; past the
/// budget a way keeps splicing. A way reads its source only with nothing in its pipe or
/// buffer, so an EAGAIN from the source means the socket is drained (the edge is used up) and
/// one from the sink means wait for its writable edge. Counts, ends of input and failures go
/// back to the connection and the node link, which hand them to the machine as the buffered
/// path does; a splice the kernel refuses (EINVAL) hands the session back to the buffered copy.
final class LeanSplice: LeanDeferred {
    /// A direction of the relay.
    enum Way { case toNode, toClient }

    /// Which socket an event came from.
    enum Side { case client, node }

    private struct Direction {
        /// The pipe, until the way turns bulk.
        var pipe: LeanPipe?
        /// The bulk buffer, once the way turned bulk.
        var bulk: UnsafeMutableRawBufferPointer?
        /// Where the bytes still to send start in `bulk`.
        var start = 0
        /// Bytes in the pipe or the buffer, read from the source and not yet in the sink.
        var buffered = 0
        /// Bytes moved through the pipe (a bulk transfer at `bulkAfter`).
        var piped = 0
        /// The source's end was read.
        var sourceEnded = false
        /// The end was passed on (or the source had ended before the splice began).
        var finished = false
        /// Cut short for fairness: continues after the current event.
        var scheduled = false
    }

    /// What moving one way achieved.
    enum Outcome: Equatable {
        /// Waiting for an edge (source readable or sink writable).
        case waiting
        /// The turn's reads were used up with more to read.
        case more
        /// The source ended and everything it sent is in the sink.
        case ended
        /// Reading the source failed (the peer reset).
        case sourceFailed
        /// Writing the sink failed (its peer is gone).
        case sinkFailed
        /// The kernel refused the splice (EINVAL): back to the buffered copy.
        case refused
    }

    /// Bytes read per way and turn (whatever the pipe's or buffer's size) before the other
    /// sockets' events come first.
    static let bytesPerTurn = 1 << 20
    /// Bytes a way moves through its pipe before it turns bulk.
    static let bulkAfter = 1 << 20

    private let loop: LeanEventLoop
    private var connection: LeanStreamConnection?
    private var upstream: LeanUpstream?
    private var toNode: Direction
    private var toClient: Direction

    /// A splice between `connection`'s client and `upstream`, with two pipes from the loop's
    /// pool; nil when no pipe can be had (the session stays on the buffered copy).
    init?(loop: LeanEventLoop, connection: LeanStreamConnection, upstream: LeanUpstream) {
        guard let first = loop.pipes.take() else { return nil }
        guard let second = loop.pipes.take() else {
            loop.pipes.give(first, empty: true)
            return nil
        }
        self.loop = loop
        self.connection = connection
        self.upstream = upstream
        toNode = Direction(pipe: first)
        toClient = Direction(pipe: second)
        toNode.finished = connection.inputHasEnded
        toClient.finished = upstream.inputHasEnded
    }

    /// Whether the splice still carries the session.
    var isAttached: Bool { connection != nil }

    /// Moves both ways after the current event (at the start, and when a queue of bytes
    /// written the buffered way has drained).
    func kick() {
        schedule(.toNode)
        schedule(.toClient)
    }

    /// A readiness report of one of the two sockets.
    func ready(_ side: Side, _ events: UInt32) {
        let input = events & (lean_epollin | lean_epollrdhup | lean_epollhup | lean_epollerr) != 0
        let output = events & lean_epollout != 0
        switch side {
        case .client:
            if input { pump(.toNode) }
            if output { pump(.toClient) }
            // An error on a client that sends nothing more is seen by no read: close it here.
            if events & lean_epollerr != 0, toNode.finished, let connection { connection.close() }
        case .node:
            if input { pump(.toClient) }
            if output { pump(.toNode) }
            if events & lean_epollerr != 0, toClient.finished, let upstream { upstream.close() }
        }
    }

    func runDeferred() {
        if toNode.scheduled {
            toNode.scheduled = false
            pump(.toNode)
        }
        if toClient.scheduled {
            toClient.scheduled = false
            pump(.toClient)
        }
    }

    private func schedule(_ way: Way) {
        guard isAttached else { return }
        switch way {
        case .toNode:
            guard !toNode.scheduled else { return }
            toNode.scheduled = true
        case .toClient:
            guard !toClient.scheduled else { return }
            toClient.scheduled = true
        }
        loop.later(self)
    }

    /// Moves what one way can, then reports: counts first, then an end or a failure, which
    /// may close a side and detach the splice.
    func pump(_ way: Way) {
        guard let connection, let upstream else { return }
        var counted = 0
        let outcome: Outcome
        switch way {
        case .toNode:
            outcome = move(&toNode, from: connection.fd, to: upstream.fd, sinkQueued: upstream.hasQueuedOutput, counted: &counted)
        case .toClient:
            outcome = move(&toClient, from: upstream.fd, to: connection.fd, sinkQueued: connection.hasQueuedOutput, counted: &counted)
        }
        if counted > 0 { connection.spliced(way, count: counted) }
        switch outcome {
        case .waiting:
            break
        case .more:
            schedule(way)
        case .ended:
            switch way {
            case .toNode:
                toNode.finished = true
                releaseBulk(&toNode)
                connection.spliceInputEnded()
            case .toClient:
                toClient.finished = true
                releaseBulk(&toClient)
                upstream.spliceInputEnded()
            }
        case .sourceFailed:
            if way == .toNode { connection.close() } else { upstream.close() }
        case .sinkFailed:
            if way == .toNode { upstream.close() } else { connection.close() }
        case .refused:
            connection.spliceRefused()
        }
    }

    /// One way's turn: empties the pipe (or buffer) into the sink, then reads the source into
    /// it, until an edge must be waited for, the turn is used up, or the source ended. With its
    /// pipe empty and `bulkAfter` moved, the way turns bulk before its next read when the loop's
    /// pool has a buffer, and gives its pipe back.
    private func move(_ way: inout Direction, from source: CInt, to sink: CInt, sinkQueued: Bool, counted: inout Int) -> Outcome {
        // Bytes queued the buffered way go first; their drain kicks the splice again.
        guard !way.finished, !sinkQueued else { return .waiting }
        var turn = 0
        while true {
            while way.buffered > 0 {
                let moved: Int
                if let bulk = way.bulk {
                    moved = lean_send(sink, bulk.baseAddress! + way.start, way.buffered)
                } else {
                    moved = lean_splice(way.pipe!.read, sink, way.buffered)
                }
                if moved > 0 {
                    way.buffered -= moved
                    way.start += moved
                    continue
                }
                let error = lean_errno()
                if moved < 0, error == EINTR { continue }
                if moved < 0, error == EAGAIN || error == EWOULDBLOCK { return .waiting }
                if moved < 0, error == EINVAL, way.bulk == nil { return .refused }
                return .sinkFailed
            }
            if way.sourceEnded { return .ended }
            guard turn < Self.bytesPerTurn else { return .more }
            if let pipe = way.pipe, way.piped >= Self.bulkAfter, let bulk = loop.bulkBuffers.take() {
                loop.pipes.give(pipe, empty: true)
                way.pipe = nil
                way.bulk = bulk
            }
            let read: Int
            if let bulk = way.bulk {
                read = lean_read(source, bulk.baseAddress!, bulk.count)
            } else {
                read = lean_splice(source, way.pipe!.write, way.pipe!.capacity)
                if read > 0 { way.piped += read }
            }
            if read > 0 {
                way.buffered = read
                way.start = 0
                counted += read
                turn += read
                continue
            }
            if read == 0 {
                way.sourceEnded = true
                continue
            }
            let error = lean_errno()
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return .waiting }
            if error == EINVAL, way.bulk == nil { return .refused }
            return .sourceFailed
        }
    }

    /// The bytes each way's pipe or buffer still holds (for the buffered copy to send), and
    /// whether each way's source ended without the end being passed on; the pipes and buffers
    /// go back to the pools.
    func detachForCopy() -> (toNode: ByteBuffer, toClient: ByteBuffer, clientEnded: Bool, nodeEnded: Bool) {
        let toNodeBytes = Self.drain(toNode)
        let toClientBytes = Self.drain(toClient)
        // A short read leaves bytes in a pipe: it is then closed, not reused (`detach`).
        toNode.buffered -= toNodeBytes.readableBytes
        toClient.buffered -= toClientBytes.readableBytes
        let ends = (toNode.sourceEnded && !toNode.finished, toClient.sourceEnded && !toClient.finished)
        detach()
        return (toNodeBytes, toClientBytes, ends.0, ends.1)
    }

    private static func drain(_ way: Direction) -> ByteBuffer {
        let count = way.buffered
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        guard count > 0 else { return buffer }
        if let bulk = way.bulk {
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bulk[way.start..<way.start + count]))
            return buffer
        }
        guard let pipe = way.pipe else { return buffer }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
            var total = 0
            while total < count {
                let got = Glibc.read(pipe.read, bytes.baseAddress! + total, count - total)
                if got > 0 {
                    total += got
                } else if got < 0, lean_errno() == EINTR {
                    continue
                } else {
                    break
                }
            }
            return total
        }
        return buffer
    }

    /// Ends the splice: both sides forget it, its pipes go back to the pool (closed when bytes
    /// were left in them) and its bulk buffers to theirs.
    func detach() {
        guard let connection, let upstream else { return }
        self.connection = nil
        self.upstream = nil
        connection.splice = nil
        upstream.splice = nil
        giveBack(&toNode)
        giveBack(&toClient)
    }

    /// A way whose end is passed on needs its bulk buffer no more: its place goes back to the
    /// budget now, not when the session ends.
    private func releaseBulk(_ way: inout Direction) {
        guard let bulk = way.bulk else { return }
        loop.bulkBuffers.give(bulk)
        way.bulk = nil
    }

    private func giveBack(_ way: inout Direction) {
        if let pipe = way.pipe { loop.pipes.give(pipe, empty: way.buffered == 0) }
        way.pipe = nil
        releaseBulk(&way)
        way.buffered = 0
    }
}
