import CLeanSockets
import RouterConfig
import SocketSupport
import Foundation
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads one subscription socket (UDP, unix path or `@abstract`) on its own thread, a batch of
/// datagrams per `recvmmsg(2)`, and hands each batch to the listener's `SubscriptionIntake`.
///
/// Not a NIO channel: NIO's datagram channel drops every datagram whose sender address has no
/// family, which is what an unbound unix datagram sender produces (real uWSGI nodes send from
/// unbound sockets), and it delivers datagrams one at a time through the pipeline. Here one
/// wakeup drains the socket `batchSize` datagrams per call; the datagrams of a call share one
/// buffer, and `MSG_TRUNC` reports each one's real length, so oversize ones are detected
/// exactly. With `SO_PASSCRED`, each datagram carries its own sender's credentials, and with
/// `SO_RXQ_OVFL` the socket's drops so far, so datagrams the kernel dropped at a full queue are
/// counted (`SubscriptionCounters.Snapshot.overflowed`) when the next one arrives.
final class SubscriptionReceiver: Sendable {
    /// Datagrams read per `recvmmsg(2)` call (and handed to the sink as one batch).
    static let batchSize = 64

    private let fd: CInt
    private let wakeRead: CInt
    private let wakeWrite: CInt
    private let finished: ConditionLock<Bool>
    private let stopped = NIOLockedValueBox(false)

    /// Takes ownership of the bound socket `fd` and starts reading into `intake`; with
    /// `passCredentials` (unix sockets), each datagram carries its sender's kernel-reported
    /// credentials. On failure `fd` is closed.
    init(fd: CInt, intake: SubscriptionIntake, passCredentials: Bool = false) throws(RuntimeError) {
        if passCredentials {
            guard lean_set_int_option(fd, SOL_SOCKET, PeerCredentials.passCredentialsOption, 1) == 0 else {
                let reason = SocketPrimitives.lastError()
                close(fd)
                throw .bindFailed(address: "SO_PASSCRED", reason: reason)
            }
        }
        _ = lean_report_queue_drops(fd)
        var readEnd: CInt = -1
        var writeEnd: CInt = -1
        guard lean_pipe(&readEnd, &writeEnd) == 0 else {
            let reason = SocketPrimitives.lastError()
            close(fd)
            throw .bindFailed(address: "pipe", reason: reason)
        }
        self.fd = fd
        self.wakeRead = readEnd
        self.wakeWrite = writeEnd
        self.finished = ConditionLock(value: false)
        let thread = Thread { [fd, readEnd, finished] in
            Self.loop(fd: fd, wake: readEnd, intake: intake)
            finished.lock()
            finished.unlock(withValue: true)
        }
        thread.start()
    }

    /// Stops the reader thread, waits for it, and closes the socket (once; later calls return).
    func stop() {
        let first = stopped.withLockedValue { wasStopped in
            defer { wasStopped = true }
            return !wasStopped
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        finished.lock(whenValue: true)
        finished.unlock()
        close(fd)
        close(wakeRead)
        close(wakeWrite)
    }

    private static func loop(fd: CInt, wake: CInt, intake: SubscriptionIntake) {
        _ = lean_set_thread_name("subscriptions")  // Foundation's Thread.name does not reach the kernel
        guard let batch = lean_datagram_batch_create(CInt(batchSize), SubscriptionServer.receiveBufferSize) else {
            intake.readFailed(RuntimeError.bindFailed(address: "recvmmsg", reason: "no memory for the receive batch"))
            return
        }
        defer { lean_datagram_batch_destroy(batch) }
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        var received: [ReceivedDatagram] = []
        received.reserveCapacity(batchSize)
        var queueDrops: UInt32 = 0  // the socket's running count, as last reported
        while true {
            fds[0].revents = 0
            fds[1].revents = 0
            let ready = poll(&fds, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                intake.readFailed(RuntimeError.bindFailed(address: "poll", reason: SocketPrimitives.lastError()))
                return
            }
            if fds[1].revents != 0 { return }
            // Drain what is queued a batch at a time, then poll again.
            while true {
                let count = lean_datagram_batch_receive(fd, batch)
                if count < 0 {
                    if errno == EINTR { continue }
                    if errno != EAGAIN && errno != EWOULDBLOCK {
                        intake.readFailed(RuntimeError.bindFailed(address: "recvmmsg", reason: SocketPrimitives.lastError()))
                    }
                    break
                }
                if count == 0 { break }
                // The last datagram queued carries the latest count (it wraps at 2^32).
                let drops = lean_datagram_queue_drops(batch, count - 1)
                if drops != queueDrops, drops != 0 {
                    intake.queueOverflowed(Int(drops &- queueDrops))
                    queueDrops = drops
                }
                collect(batch, count: Int(count), into: &received)
                intake.take(received)
                received.removeAll(keepingCapacity: true)
                if Int(count) < batchSize { break }
            }
        }
    }

    /// Turns the first `count` datagrams of `batch` into values: their bytes copied into one
    /// buffer (sliced per datagram, so a batch costs one allocation for its bytes), their real
    /// sizes, senders and credentials.
    static func collect(_ batch: OpaquePointer, count: Int, into received: inout [ReceivedDatagram]) {
        let capacity = SubscriptionServer.receiveBufferSize
        var total = 0
        for index in 0..<count { total += min(lean_datagram_length(batch, CInt(index)), capacity) }
        var storage = ByteBuffer()
        storage.reserveCapacity(total)
        // Every datagram is written before the first slice is taken: a write into storage a
        // slice shares would copy it.
        for index in 0..<count {
            let kept = min(lean_datagram_length(batch, CInt(index)), capacity)
            storage.writeBytes(UnsafeRawBufferPointer(start: UnsafeRawPointer(lean_datagram_bytes(batch, CInt(index))), count: kept))
        }
        var start = storage.readerIndex
        for index in 0..<count {
            let size = lean_datagram_length(batch, CInt(index))
            let kept = min(size, capacity)
            defer { start += kept }
            var addressLength: UInt32 = 0
            let address = lean_datagram_sender(batch, CInt(index), &addressLength)
            var pid: Int32 = 0
            var uid: UInt32 = 0
            var gid: UInt32 = 0
            let credentials = lean_datagram_credentials(batch, CInt(index), &pid, &uid, &gid) == 1
                ? PeerCredentials(pid: pid, uid: uid, gid: gid) : nil
            received.append(ReceivedDatagram(
                bytes: storage.getSlice(at: start, length: kept) ?? ByteBuffer(), size: size,
                sender: address.map { DatagramSender($0, length: addressLength) } ?? .none, credentials: credentials))
        }
    }

}

/// One datagram as read: its bytes (at most the receive buffer), its real size, its sender.
struct ReceivedDatagram {
    /// The bytes read, truncated to `SubscriptionServer.receiveBufferSize`.
    var bytes: ByteBuffer
    /// The datagram's real length.
    var size: Int
    /// The sender, as read (`none` for an unbound unix sender).
    var sender: DatagramSender
    /// The sender's credentials, with `SO_PASSCRED` on.
    var credentials: PeerCredentials?
}
