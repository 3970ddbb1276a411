import CLeanSockets
import RouterConfig
import SocketSupport
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads one subscription socket (UDP, unix path or `@abstract`) on its own thread, up to
/// `batchSize` reads per `recvmmsg(2)`, and hands the datagrams to the listener's
/// `SubscriptionIntake` at most `batchSize` at a time.
///
/// Not a NIO channel: NIO's datagram channel drops every datagram whose sender address has no
/// family, which is what an unbound unix datagram sender produces (real uWSGI nodes send from
/// unbound sockets), and it delivers datagrams one at a time through the pipeline. Here one
/// wakeup drains the socket `batchSize` reads per call; the datagrams of a call share one
/// buffer, and `MSG_TRUNC` reports each read's real length, so an oversize datagram is detected
/// exactly. With `SO_PASSCRED`, each datagram carries its own sender's credentials, and with
/// `SO_RXQ_OVFL` the socket's drops so far, so datagrams the kernel dropped at a full queue are
/// counted (`SubscriptionCounters.Snapshot.overflowed`) when the next one arrives. Descriptors a
/// unix datagram carries are closed as it is read.
///
/// A UDP listener accepts coalesced reads (`UDP_GRO`): a run of equally sized datagrams from
/// one sender, a UDP GSO send or what a NIC's GRO joined, is queued as one and read as one,
/// then split here (`DatagramPieces`). The kernel's receive path, which runs on the sending
/// core on loopback and on the core taking the NIC's interrupts otherwise, then works once per
/// run instead of once per datagram. A 100k datagrams/s flood sent in GSO runs of 64 against
/// HTTP serving (`Benchmarks/subscriptions.sh` 9×5, one machine, the same script): requests
/// lost to it 14.5 % with the runs split, −0.2 % (2.7 % per round) coalesced. Real nodes send
/// a datagram at a time, which never coalesces on loopback and seldom on a NIC; then nothing
/// changes (the same script with `SEND_GSO=0`: 46 %, of which 38 % the sending). The kernel
/// counts a run dropped at a full queue as one drop, so `overflowed` is then a lower bound.
/// Setting `UDP_GRO` also turns on the kernel's UDP encapsulation lookups for the host's UDP
/// traffic while the listener is open (one socket lookup per GRO'd UDP packet).
///
/// The reader thread runs in `SCHED_BATCH` at nice 19 (`lean_set_thread_background`): it
/// takes the core when the router's loops leave it, and its wakeups never preempt them, so a
/// flood of datagrams costs serving little. A 100k datagrams/s flood against HTTP serving on
/// the same core (`Benchmarks/subscriptions.sh` 5×5, a machine where a datagram costs about
/// 1.9 µs): receiving it took 19.3 % of the requests in the normal class, none (−3.3 %,
/// noise) in this one, while the table still took 78k datagrams/s during the load. Its
/// share under a saturated core, about 1.5 %, is still thousands of datagrams a second,
/// and nodes re-announce. A thread's class and nice value pass to every thread it starts, so
/// nothing the reader calls may start one: its work is synchronous, and host names it
/// announces are resolved on `ResolverThread`, started by a thread of the normal class.
final class SubscriptionReceiver: Sendable {
    /// Reads per `recvmmsg(2)` call, and the most datagrams handed to the intake at once (a
    /// call's coalesced reads may hold many more; the sink holds each replica's lock for a
    /// batch, and the request path takes the same lock).
    static let batchSize = 64

    /// How long the reader waits, after a wakeup that read something, before it polls again.
    /// A node re-announces every few seconds, so half a millisecond more is nothing to it; but
    /// at a high rate a reader that polls at once wakes for every few datagrams, and the wakeup
    /// and the batch's fixed costs then dominate (at 330k datagrams/s: batches of a few
    /// datagrams, about twice the CPU per datagram of batches of 64). Waiting lets the next
    /// `recvmmsg(2)` take what arrived meanwhile, so a busy reader wakes at most about 2,000
    /// times a second, and serving on the same core is interrupted as often. An idle reader
    /// reads the first datagram at once. The socket's buffer (`receiveBuffer`) holds what
    /// arrives during the wait.
    static let coalescing = timespec(tv_sec: 0, tv_nsec: 500_000)

    /// The socket's receive buffer asked for (`SO_RCVBUF`): 1 MiB, about 1,300 small
    /// datagrams as the kernel accounts them, 2.6 ms at 500k datagrams/s. The default
    /// (208 KiB, about 270) would fill during one wait at that rate.
    static let receiveBuffer: CInt = 1 << 20

    /// The room for one read when coalesced reads are on: 64 KiB, the most the kernel joins
    /// into one UDP read, so a run is not cut. The batch then spans 4 MiB of address space;
    /// only what reads wrote becomes resident (a page or two per read of small datagrams). A
    /// single datagram still keeps at most `SubscriptionServer.receiveBufferSize` bytes, and
    /// its real size refuses it when over uWSGI's 4096.
    static let coalescedCapacity = 65536

    /// Whether the socket accepts coalesced reads (asked for, and the kernel agreed).
    let acceptsCoalesced: Bool
    /// Reads that held more than one datagram, so far.
    var coalescedReads: Int { coalescedCount.load(ordering: .relaxed) }
    private let coalescedCount = Atomic<Int>(0)

    private let fd: CInt
    private let wakeRead: CInt
    private let wakeWrite: CInt
    private let finished: ConditionLock<Bool>
    private let stopped = NIOLockedValueBox(false)

    /// Takes ownership of the bound socket `fd` and starts reading into `intake`; with
    /// `passCredentials` (unix sockets), each datagram carries its sender's kernel-reported
    /// credentials. `receiveBuffer`: the socket's `SO_RCVBUF` to ask for (the server asks for
    /// `Self.receiveBuffer`; nil leaves the socket's own). With `acceptCoalesced` (UDP sockets),
    /// runs of datagrams may arrive joined and are split (best effort: a kernel that refuses
    /// `UDP_GRO` keeps delivering them one by one). On failure `fd` is closed.
    init(
        fd: CInt, intake: SubscriptionIntake, passCredentials: Bool = false, receiveBuffer: CInt? = nil,
        acceptCoalesced: Bool = false
    ) throws(RuntimeError) {
        if passCredentials {
            guard lean_set_int_option(fd, SOL_SOCKET, PeerCredentials.passCredentialsOption, 1) == 0 else {
                let reason = SocketPrimitives.lastError()
                close(fd)
                throw .bindFailed(address: "SO_PASSCRED", reason: reason)
            }
        }
        _ = lean_report_queue_drops(fd)
        if let receiveBuffer {
            // Room for a burst while the reader coalesces; best effort (the kernel caps it at
            // net.core.rmem_max, and a smaller buffer still works, dropping sooner).
            _ = lean_set_int_option(fd, SOL_SOCKET, SO_RCVBUF, receiveBuffer)
        }
        acceptsCoalesced = acceptCoalesced && lean_accept_coalesced(fd) == 0
        let capacity = acceptsCoalesced ? Self.coalescedCapacity : SubscriptionServer.receiveBufferSize
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
        let thread = Thread { [self, fd, readEnd, finished] in
            self.loop(fd: fd, wake: readEnd, intake: intake, capacity: capacity)
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

    private func loop(fd: CInt, wake: CInt, intake: SubscriptionIntake, capacity: Int) {
        // Serving first; before the name, so a thread named so is in its class.
        let background = lean_set_thread_background()
        if background < 0 {
            intake.backgroundRefused(String(cString: strerror(-background)))
        }
        _ = lean_set_thread_name("subscriptions")  // Foundation's Thread.name does not reach the kernel
        guard let batch = lean_datagram_batch_create(CInt(Self.batchSize), capacity, lean_datagram_control_room(fd)) else {
            intake.readFailed(RuntimeError.bindFailed(address: "recvmmsg", reason: "no memory for the receive batch"))
            return
        }
        defer { lean_datagram_batch_destroy(batch) }
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        var received: [ReceivedDatagram] = []
        received.reserveCapacity(Self.batchSize)
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
            var took = false
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
                took = true
                // The last datagram queued carries the latest count (it wraps at 2^32).
                let drops = lean_datagram_queue_drops(batch, count - 1)
                if drops != queueDrops, drops != 0 {
                    intake.queueOverflowed(Int(drops &- queueDrops))
                    queueDrops = drops
                }
                let (lost, coalesced) = Self.collect(batch, count: Int(count), capacity: capacity, into: &received)
                if coalesced > 0 { coalescedCount.add(coalesced, ordering: .relaxed) }
                // Datagrams past a cut run (not possible within the kernel's 64 KiB joins)
                // never reach the table: counted with those the queue dropped.
                if lost > 0 { intake.queueOverflowed(lost) }
                var start = 0
                while start < received.count {
                    let end = min(start + Self.batchSize, received.count)
                    intake.take(received[start..<end])
                    start = end
                }
                received.removeAll(keepingCapacity: true)
                if Int(count) < Self.batchSize { break }
            }
            if took {
                // Busy: let the next batch gather before polling again (see `coalescing`).
                var pause = Self.coalescing
                var rest = timespec()
                while nanosleep(&pause, &rest) != 0 && errno == EINTR { pause = rest }
            }
        }
    }

    /// Turns the first `count` reads of `batch` (each read `capacity` bytes at most) into
    /// datagrams: a coalesced read split into its datagrams, their bytes copied into one buffer
    /// (sliced per datagram, so a batch costs one allocation for its bytes), their real sizes,
    /// senders and credentials. Returns how many joined datagrams were lost to a cut read, and
    /// how many reads held more than one datagram.
    @discardableResult
    static func collect(
        _ batch: OpaquePointer, count: Int, capacity: Int, into received: inout [ReceivedDatagram]
    ) -> (lost: Int, coalesced: Int) {
        // Each read's pieces, found once (its segment size is a walk of its control messages).
        let reads = (0..<count).map { index in
            DatagramPieces(
                length: lean_datagram_length(batch, CInt(index)), capacity: capacity,
                segment: Int(lean_datagram_segment_size(batch, CInt(index))))
        }
        var total = 0
        for read in reads {
            for piece in read { total += piece.kept }
        }
        var storage = ByteBuffer()
        storage.reserveCapacity(total)
        // Every datagram is written before the first slice is taken: a write into storage a
        // slice shares would copy it.
        for (index, read) in reads.enumerated() {
            // Never nil: an offset into the batch's own allocation.
            let bytes = UnsafeRawPointer(lean_datagram_bytes(batch, CInt(index)))!
            for piece in read {
                storage.writeBytes(UnsafeRawBufferPointer(start: bytes + piece.offset, count: piece.kept))
            }
        }
        var start = storage.readerIndex
        var lost = 0
        var coalesced = 0
        for (index, read) in reads.enumerated() {
            var addressLength: UInt32 = 0
            let address = lean_datagram_sender(batch, CInt(index), &addressLength)
            let sender = address.map { DatagramSender($0, length: addressLength) } ?? .none
            var pid: Int32 = 0
            var uid: UInt32 = 0
            var gid: UInt32 = 0
            let credentials = lean_datagram_credentials(batch, CInt(index), &pid, &uid, &gid) == 1
                ? PeerCredentials(pid: pid, uid: uid, gid: gid) : nil
            if read.segment > 0 && read.length > read.segment { coalesced += 1 }
            for piece in read {
                received.append(ReceivedDatagram(
                    bytes: storage.getSlice(at: start, length: piece.kept) ?? ByteBuffer(), size: piece.size,
                    sender: sender, credentials: credentials))
                start += piece.kept
            }
            lost += read.lost
        }
        return (lost, coalesced)
    }

}

/// Where the datagrams of one read lie in the bytes read: a single datagram, or the run of
/// equally sized datagrams (`segment` bytes each, the last shorter) a coalesced read joined.
/// I/O-free, so each case is tested without a socket.
struct DatagramPieces: Sequence, IteratorProtocol {
    /// One datagram: its offset in the read, the bytes of it kept, and its real size.
    struct Piece: Equatable {
        var offset: Int
        var kept: Int
        var size: Int
    }

    /// The read's real length (beyond `capacity` when it was cut).
    let length: Int
    /// The bytes the read holds at most.
    let capacity: Int
    /// The size of each joined datagram, or 0 for a single one.
    let segment: Int
    private var cursor = 0
    private var done = false

    init(length: Int, capacity: Int, segment: Int) {
        self.length = Swift.max(length, 0)
        self.capacity = Swift.max(capacity, 0)
        self.segment = Swift.max(segment, 0)
    }

    /// Joined datagrams the cut lost: those not wholly within `capacity` (a single datagram is
    /// never lost; it keeps what fits, at most `SubscriptionServer.receiveBufferSize`, and its
    /// real size refuses it as oversize).
    var lost: Int {
        guard segment > 0, length > capacity else { return 0 }
        let whole = capacity / segment
        let all = length / segment + (length % segment == 0 ? 0 : 1)
        return all - whole
    }

    mutating func next() -> Piece? {
        guard !done else { return nil }
        guard segment > 0 else {
            done = true
            return Piece(offset: 0, kept: Swift.min(length, capacity, SubscriptionServer.receiveBufferSize), size: length)
        }
        let offset = cursor
        guard offset < length else {
            done = true
            return nil
        }
        let size = Swift.min(segment, length - offset)
        // Only datagrams wholly read are kept: a cut one would parse as something else.
        guard offset + size <= capacity else {
            done = true
            return nil
        }
        cursor = offset + size
        return Piece(offset: offset, kept: Swift.min(size, SubscriptionServer.receiveBufferSize), size: size)
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
