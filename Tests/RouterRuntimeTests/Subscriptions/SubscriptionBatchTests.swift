import CLeanSockets
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import ProcessTesting
import RouterConfig
import RouterCore
import RouterCoreTesting
import RouterWire
import SocketSupport
import Testing
@testable import RouterRuntime

#if canImport(Glibc)
import Glibc
#endif

/// Hands each batch on to `inner` and reports the batch sizes the sink was given.
final class BatchRecordingSink: SubscriptionSink {
    let inner: any SubscriptionSink
    let batches: AsyncStream<[SubscriptionDatagram]>
    private let continuation: AsyncStream<[SubscriptionDatagram]>.Continuation

    init(_ inner: any SubscriptionSink) {
        self.inner = inner
        (batches, continuation) = AsyncStream.makeStream(of: [SubscriptionDatagram].self)
    }

    func receive(_ datagram: SubscriptionDatagram) throws {
        Issue.record("a datagram taken alone, not in a batch")
        try inner.receive(datagram)
    }

    func receive(batch: [SubscriptionDatagram]) -> [Result<Void, any Error>] {
        defer { continuation.yield(batch) }
        return inner.receive(batch: batch)
    }

    /// The batches given until `count` datagrams have arrived in all, within 5 s.
    func batches(totalling count: Int) async throws -> [[SubscriptionDatagram]] {
        let batches = self.batches
        return try await withTimeout(5, "\(count) subscription datagrams") {
            var seen: [[SubscriptionDatagram]] = []
            for await batch in batches {
                seen.append(batch)
                if seen.reduce(0, { $0 + $1.count }) >= count { return seen }
            }
            throw TestTimeout(what: "\(count) subscription datagrams")
        }
    }
}

/// Takes every datagram, streams each batch, and holds the reader inside its first batch until
/// `open()`.
final class GatedSink: SubscriptionSink {
    let batches: AsyncStream<[SubscriptionDatagram]>
    private let continuation: AsyncStream<[SubscriptionDatagram]>.Continuation
    private let gate = ConditionLock(value: false)
    private let first = NIOLockedValueBox(true)

    init() {
        (batches, continuation) = AsyncStream.makeStream(of: [SubscriptionDatagram].self)
    }

    func receive(_ datagram: SubscriptionDatagram) throws {}

    func receive(batch: [SubscriptionDatagram]) -> [Result<Void, any Error>] {
        continuation.yield(batch)
        let isFirst = first.withLockedValue { isFirst in
            defer { isFirst = false }
            return isFirst
        }
        if isFirst {
            gate.lock(whenValue: true)
            gate.unlock()
        }
        return batch.map { _ in .success(()) }
    }

    /// Lets the reader go on.
    func open() {
        gate.lock()
        gate.unlock(withValue: true)
    }

    /// The next batch, within 5 s.
    func next() async throws -> [SubscriptionDatagram] {
        let batches = self.batches
        return try await withTimeout(5, "a batch") {
            var iterator = batches.makeAsyncIterator()
            guard let batch = await iterator.next() else { throw TestTimeout(what: "a batch") }
            return batch
        }
    }
}

@Suite("Subscription batches")
struct SubscriptionBatchTests {
    /// A unix datagram socket at `path` with `SO_PASSCRED` on, so datagrams queued before a
    /// reader starts already carry their senders' credentials.
    static func queueingSocket(at path: String) throws -> CInt {
        let fd = try PosixSocket.boundPathDatagramSocket(path: path, configured: path)
        #expect(lean_set_int_option(fd, SOL_SOCKET, PeerCredentials.passCredentialsOption, 1) == 0)
        return fd
    }

    static func intake(_ sink: any SubscriptionSink, counters: SubscriptionCounters) -> SubscriptionIntake {
        SubscriptionIntake(listener: "test", sink: sink, counters: counters, logger: quietLogger, limiter: LogRateLimiter(), now: { .now() })
    }

    static func subscribe(_ address: String, command: SubscriptionPacket.Command = .subscribe) throws -> [UInt8] {
        Array(try SubscriptionPacket(command: command, key: "app.local", address: address).encoded().readableBytesView)
    }

    @Test("one read takes every queued datagram: good, malformed, oversize and over-cap ones are each counted once, by kind, and every replica holds the same nodes")
    func mixedBatchAccounting() async throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let path = "\(dir)/sub.sock"
        let engine = try RouterEngineTests.engine([
            "--http", ":0", "--http-subscription-server", path, "--subscription-max-nodes-per-key", "2",
        ])
        #expect(engine.replicas.count == 2)
        let fd = try Self.queueingSocket(at: path)
        let sender = try SubscriptionSender(to: SocketAddressSpec(parsing: path))
        try sender.send(try Self.subscribe("127.0.0.1:4001"))  // taken
        try sender.send(Array("junk".utf8))  // malformed
        try sender.send([UInt8](repeating: 0x41, count: SubscriptionServer.maximumDatagramSize + 1))  // oversize
        try sender.send(try Self.subscribe("127.0.0.1:4002"))  // taken: the key's second node
        try sender.send(try Self.subscribe("127.0.0.1:4003"))  // over the cap of 2 nodes
        try sender.send(try Self.subscribe("127.0.0.1:4001"))  // a refresh: taken
        try sender.send(try Self.subscribe("127.0.0.1:4002", command: .unsubscribe(1)))  // taken
        try sender.send(try Self.subscribe("127.0.0.1:4003"))  // room again: taken

        let sink = BatchRecordingSink(engine)
        let counters = SubscriptionCounters()
        let receiver = try SubscriptionReceiver(fd: fd, intake: Self.intake(sink, counters: counters))
        let batches = try await sink.batches(totalling: 7)
        receiver.stop()

        // The oversize datagram never reaches the sink; the other seven arrive as one batch.
        #expect(batches.map(\.count) == [7])
        let counts = counters.snapshot
        #expect(counts.received == 8)
        #expect(counts.accepted == 5)
        #expect(counts.rejected == 3)
        #expect(counts.oversize == 1)
        #expect(counts.dropped == [.nodeLimit: 1])
        for replica in engine.replicas {
            let nodes = replica.core.withLockedValue { core in
                core.state.table.slot(for: RouteKey("app.local")).map { slot in slot.nodes.map(\.address).sorted() } ?? []
            }
            #expect(nodes == ["127.0.0.1:4001", "127.0.0.1:4003"])
        }
    }

    @Test("the reader thread runs in SCHED_BATCH at nice 19, so the serving loops come first")
    func readerInBackgroundClass() async throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let path = "\(dir)/sub.sock"
        let fd = try Self.queueingSocket(at: path)
        try SubscriptionSender(to: SocketAddressSpec(parsing: path)).send(Array("first".utf8))
        let sink = BatchRecordingSink(RecordingSink())
        let receiver = try SubscriptionReceiver(fd: fd, intake: Self.intake(sink, counters: SubscriptionCounters()))
        // A batch delivered: the reader is in its loop, past setting its class and name.
        _ = try await sink.batches(totalling: 1)
        // Every reader of the process (other tests' too) is in the class before it is named.
        let readers = Self.threads(named: "subscriptions")
        receiver.stop()
        #expect(!readers.isEmpty)
        for reader in readers {
            #expect(reader.policy == 3, "thread \(reader.id)")  // SCHED_BATCH (not in Glibc's module)
            #expect(reader.nice == 19, "thread \(reader.id)")
        }
    }

    /// The threads of this process named `name`: their ids, nice values and scheduling
    /// policies.
    static func threads(named name: String) -> [(id: String, nice: Int, policy: Int)] {
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return ids.compactMap { id in
            guard let thread = schedule(ofStat: "/proc/self/task/\(id)/stat"), thread.name == name else { return nil }
            return (id, thread.nice, thread.policy)
        }
    }

    /// A thread's name, nice value and scheduling policy from its `stat` file (fields 2, 19
    /// and 41); `/proc/thread-self/stat` is the calling thread's.
    static func schedule(ofStat path: String) -> (name: Substring, nice: Int, policy: Int)? {
        guard let stat = ProcFile.contents(of: path), let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else {
            return nil
        }
        // After the name: field 3 (the state) on.
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        guard fields.count > 38, let nice = Int(fields[16]), let policy = Int(fields[38]) else { return nil }
        return (stat[stat.index(after: open)..<close], nice, policy)
    }

    @Test("a host name a background-class thread announces is resolved on the resolver thread, in the process's class")
    func resolverThreadNormalClass() async throws {
        typealias Seen = (name: String, nice: Int, policy: Int)
        let seen = NIOLockedValueBox<(announcer: Seen?, lookup: Seen?)>((nil, nil))
        @Sendable func current() -> Seen? {
            Self.schedule(ofStat: "/proc/thread-self/stat").map { (String($0.name), $0.nice, $0.policy) }
        }
        let resolver = NodeResolver(logger: quietLogger, lookup: { _, port in
            let me = current()
            seen.withLockedValue { $0.lookup = me }
            return try SocketAddress(ipAddress: "127.0.0.1", port: port)
        })
        // A thread in the reader's class announces the name, as a subscription reader would.
        let done = DispatchSemaphore(value: 0)
        let announcer = Thread {
            _ = lean_set_thread_background()
            let me = current()
            seen.withLockedValue { $0.announcer = me }
            _ = resolver.prepare("node.invalid:4001")
            resolver.waitForQueuedLookups()
            done.signal()
        }
        announcer.start()
        let announced = try await RouterHarness.blocking { done.wait(timeout: .now() + .seconds(30)) }
        #expect(announced == .success)
        #expect(resolver.isResolved("node.invalid:4001"))
        let (background, lookup) = seen.withLockedValue { $0 }
        #expect(background?.nice == 19 && background?.policy == 3, "the announcer was in the reader's class")
        // The process's main thread: what a thread started outside the reader's class has.
        let process = Self.schedule(ofStat: "/proc/self/stat")
        #expect(lookup?.name == "node-resolver", "looked up on \(String(describing: lookup?.name))")
        #expect(lookup?.nice == process?.nice && lookup?.policy == process?.policy, "the lookup ran as \(String(describing: lookup))")
    }

    @Test("credentials are per datagram in a batch: each datagram carries its own sender's pid")
    func credentialsPerDatagram() async throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let path = "\(dir)/sub.sock"
        let fd = try Self.queueingSocket(at: path)
        let sender = try SubscriptionSender(to: SocketAddressSpec(parsing: path))
        try sender.send(Array("first".utf8))
        // Another process's datagram between two of ours (util-linux logger, a unix datagram).
        let (child, pipes) = try SpawnedProcess.spawn(
            executable: "/usr/bin/logger", arguments: ["-d", "-u", path, "--socket-errors=on", "from the child"])
        defer { close(pipes.output) }
        #expect(child.waitForExit(timeout: .seconds(10))?.code == 0)
        try sender.send(Array("last".utf8))

        let recording = RecordingSink()
        let sink = BatchRecordingSink(recording)
        let counters = SubscriptionCounters()
        let receiver = try SubscriptionReceiver(fd: fd, intake: Self.intake(sink, counters: counters), passCredentials: true)
        let batches = try await sink.batches(totalling: 3)
        receiver.stop()

        #expect(batches.count == 1)
        let pids = batches.flatMap { $0 }.map { $0.credentials?.pid }
        #expect(pids == [getpid(), child.pid, getpid()])
        #expect(batches.flatMap { $0 }.allSatisfy { $0.credentials?.uid == UInt32(geteuid()) })
        #expect(counters.snapshot.accepted == 3)
    }

    @Test("the server's receiver asks for a 1 MiB receive buffer, capped by net.core.rmem_max; without one the socket's own is kept")
    func receiveBufferAskedFor() throws {
        func buffer(of fd: CInt) -> CInt {
            var value: CInt = 0
            var length = socklen_t(MemoryLayout<CInt>.size)
            #expect(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &length) == 0)
            return value
        }
        let intake = Self.intake(RecordingSink(), counters: SubscriptionCounters())
        let plain = try PosixSocket.boundUDPSocket(try SocketAddress(ipAddress: "127.0.0.1", port: 0), configured: "test")
        let before = buffer(of: plain)
        let untouched = try SubscriptionReceiver(fd: plain, intake: intake)
        #expect(buffer(of: plain) == before)
        untouched.stop()

        let fd = try PosixSocket.boundUDPSocket(try SocketAddress(ipAddress: "127.0.0.1", port: 0), configured: "test")
        let receiver = try SubscriptionReceiver(fd: fd, intake: intake, receiveBuffer: SubscriptionReceiver.receiveBuffer)
        defer { receiver.stop() }
        let cap = (try? String(contentsOfFile: "/proc/sys/net/core/rmem_max", encoding: .utf8))
            .flatMap { CInt($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        // Linux reports twice what it keeps for its own bookkeeping.
        #expect(buffer(of: fd) == 2 * min(SubscriptionReceiver.receiveBuffer, cap))
    }

    /// Sends `datagrams` (equally sized, the last one may be shorter) from a new UDP socket to
    /// `address` as one UDP GSO send (`UDP_SEGMENT`): one run the kernel may queue whole.
    static func sendRun(_ datagrams: [[UInt8]], to address: SocketAddress) throws {
        let fd = socket(AF_INET, SocketPrimitives.datagramType, 0)
        try #require(fd >= 0)
        defer { close(fd) }
        let connected = address.withSockAddr { pointer, length in connect(fd, pointer, socklen_t(length)) }
        try #require(connected == 0)
        var joined = datagrams.flatMap { $0 }
        let control = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 8)
        defer { control.deallocate() }
        control.initializeMemory(as: UInt8.self, repeating: 0, count: 32)
        let header = control.bindMemory(to: cmsghdr.self, capacity: 1)
        header.pointee.cmsg_len = MemoryLayout<cmsghdr>.size + 2  // CMSG_LEN(sizeof(uint16_t))
        header.pointee.cmsg_level = CInt(IPPROTO_UDP)  // SOL_UDP
        header.pointee.cmsg_type = 103  // UDP_SEGMENT
        control.storeBytes(of: UInt16(datagrams[0].count), toByteOffset: MemoryLayout<cmsghdr>.size, as: UInt16.self)
        let sent = joined.withUnsafeMutableBytes { bytes -> Int in
            var vector = iovec(iov_base: bytes.baseAddress, iov_len: bytes.count)
            return withUnsafeMutablePointer(to: &vector) { vector in
                var message = msghdr()
                message.msg_iov = vector
                message.msg_iovlen = 1
                message.msg_control = control
                message.msg_controllen = MemoryLayout<cmsghdr>.size + 8  // CMSG_SPACE(sizeof(uint16_t))
                return sendmsg(fd, &message, 0)
            }
        }
        #expect(sent == joined.count, "UDP GSO send: \(String(cString: strerror(errno)))")
    }

    @Test("a UDP listener reads a sender's GSO runs coalesced and splits them: each run is one read, every datagram, a shorter last one too, is taken, and the intake gets at most 64 at a time")
    func coalescedRunsSplit() async throws {
        let engine = try RouterEngineTests.engine(["--http", ":0", "--http-subscription-server", "127.0.0.1:0"])
        let fd = try PosixSocket.boundUDPSocket(try SocketAddress(ipAddress: "127.0.0.1", port: 0), configured: "test")
        let local = try PosixSocket.localAddress(of: fd, configured: "test")
        // Coalescing on before the runs are sent, so each is queued whole.
        #expect(lean_accept_coalesced(fd) == 0)
        let runs = [(4100..<4140), (4200..<4240), (4300..<4319)].map { ports in
            ports.map { try! Self.subscribe("127.0.0.1:\($0)") }
        }
        for run in runs { try Self.sendRun(run, to: local) }
        // A run whose last datagram is shorter (a four-digit port, not five).
        #expect(try Self.subscribe("127.0.0.1:4399").count + 1 == Self.subscribe("127.0.0.1:43190").count)
        try Self.sendRun([try Self.subscribe("127.0.0.1:43190"), try Self.subscribe("127.0.0.1:4399")], to: local)

        let sink = BatchRecordingSink(engine)
        let counters = SubscriptionCounters()
        let receiver = try SubscriptionReceiver(fd: fd, intake: Self.intake(sink, counters: counters), acceptCoalesced: true)
        #expect(receiver.acceptsCoalesced)
        let batches = try await sink.batches(totalling: 101)
        receiver.stop()

        // However the reads fell, each run came as one read; split per datagram none would.
        #expect(receiver.coalescedReads == 4)
        #expect(batches.allSatisfy { $0.count <= SubscriptionReceiver.batchSize })
        #expect(batches.reduce(0) { $0 + $1.count } == 101)
        #expect(counters.snapshot.received == 101)
        #expect(counters.snapshot.accepted == 101)
        #expect(counters.snapshot.overflowed == 0)
        let expected = (Array(4100..<4140) + Array(4200..<4240) + Array(4300..<4319) + [43190, 4399]).map { "127.0.0.1:\($0)" }
        for replica in engine.replicas {
            let nodes = replica.core.withLockedValue { core in
                core.state.table.slot(for: RouteKey("app.local")).map { slot in slot.nodes.map(\.address).sorted() } ?? []
            }
            #expect(nodes == expected.sorted())
        }
    }

    @Test("the subscription server's UDP listener accepts coalesced reads, its unix listener does not: three runs arrive as three reads")
    func serverAcceptsCoalesced() async throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let sink = RecordingSink()
        let server = try await SubscriptionServer.bind(
            listeners: [try SocketAddressSpec(parsing: "127.0.0.1:0"), try SocketAddressSpec(parsing: "\(dir)/sub.sock")],
            sink: sink, logger: quietLogger)
        #expect(server.receivers.map(\.acceptsCoalesced) == [true, false])
        let bound = server.boundAddresses[0]
        guard case .inet(_, let port) = bound.kind else {
            Issue.record("not inet: \(bound)")
            return
        }
        let local = try SocketAddress(ipAddress: "127.0.0.1", port: Int(port))
        let run = (0..<40).map { _ in Array("announce".utf8) }
        for _ in 0..<3 { try Self.sendRun(run, to: local) }
        for _ in 0..<120 { _ = try await sink.next() }
        await server.shutdown()
        #expect(server.receivers[0].coalescedReads == 3)
        #expect(server.counters.snapshot.received == 120)
    }

    @Test("descriptors a unix datagram carries are closed as it is read, not kept by the process")
    func passedDescriptorsClosed() async throws {
        let dir = try makeTempDirectory()
        defer { removeDirectory(dir) }
        let path = "\(dir)/sub.sock"
        let fd = try PosixSocket.boundPathDatagramSocket(path: path, configured: path)
        var passed = try PassedDescriptor()
        try passed.sendDatagram(Array("junk".utf8), to: path)

        let sink = BatchRecordingSink(RecordingSink())
        let receiver = try SubscriptionReceiver(fd: fd, intake: Self.intake(sink, counters: SubscriptionCounters()))
        _ = try await sink.batches(totalling: 1)
        receiver.stop()
        let closed = passed.isClosedEverywhere()
        #expect(closed, "the passed write end is still open after 10 s")
    }

    @Test("a read splits into its datagrams: single, joined runs, a shorter last one, and a cut run losing only what was cut")
    func datagramPieces() {
        typealias Piece = DatagramPieces.Piece
        // A single datagram keeps what fits, at most the receive buffer, and reports its real size.
        #expect(Array(DatagramPieces(length: 100, capacity: 65536, segment: 0)) == [Piece(offset: 0, kept: 100, size: 100)])
        #expect(Array(DatagramPieces(length: 9000, capacity: 65536, segment: 0)) == [Piece(offset: 0, kept: 8192, size: 9000)])
        #expect(Array(DatagramPieces(length: 9000, capacity: 4000, segment: 0)) == [Piece(offset: 0, kept: 4000, size: 9000)])
        #expect(Array(DatagramPieces(length: 0, capacity: 65536, segment: 0)) == [Piece(offset: 0, kept: 0, size: 0)])
        #expect(DatagramPieces(length: 9000, capacity: 4000, segment: 0).lost == 0)
        // A run of equal datagrams.
        #expect(Array(DatagramPieces(length: 300, capacity: 65536, segment: 100)) == [
            Piece(offset: 0, kept: 100, size: 100), Piece(offset: 100, kept: 100, size: 100), Piece(offset: 200, kept: 100, size: 100),
        ])
        // The last one shorter.
        #expect(Array(DatagramPieces(length: 250, capacity: 65536, segment: 100)) == [
            Piece(offset: 0, kept: 100, size: 100), Piece(offset: 100, kept: 100, size: 100), Piece(offset: 200, kept: 50, size: 50),
        ])
        // A segment larger than the read: one datagram.
        #expect(Array(DatagramPieces(length: 60, capacity: 65536, segment: 100)) == [Piece(offset: 0, kept: 60, size: 60)])
        // Oversize datagrams joined: each keeps at most the receive buffer and its real size refuses it.
        #expect(Array(DatagramPieces(length: 20000, capacity: 65536, segment: 10000)) == [
            Piece(offset: 0, kept: 8192, size: 10000), Piece(offset: 10000, kept: 8192, size: 10000),
        ])
        // Cut inside the third datagram: two kept, the cut one and the one after lost.
        let cut = DatagramPieces(length: 400, capacity: 250, segment: 100)
        #expect(Array(cut) == [Piece(offset: 0, kept: 100, size: 100), Piece(offset: 100, kept: 100, size: 100)])
        #expect(cut.lost == 2)
        // Cut exactly at a boundary, the last shorter: only what lies beyond is lost.
        let boundary = DatagramPieces(length: 350, capacity: 200, segment: 100)
        #expect(Array(boundary).count == 2)
        #expect(boundary.lost == 2)
        #expect(DatagramPieces(length: 300, capacity: 65536, segment: 100).lost == 0)
        // One-byte datagrams joined.
        #expect(Array(DatagramPieces(length: 128, capacity: 65536, segment: 1)).count == 128)
        #expect(Array(DatagramPieces(length: 128, capacity: 65536, segment: 1)).last == Piece(offset: 127, kept: 1, size: 1))
        // An empty read.
        #expect(Array(DatagramPieces(length: 0, capacity: 65536, segment: 100)).isEmpty)
    }

    @Test("datagrams the kernel drops at a full queue are counted: each one sent is read or counted as overflowed")
    func queueOverflowCounted() async throws {
        let fd = try PosixSocket.boundUDPSocket(try SocketAddress(ipAddress: "127.0.0.1", port: 0), configured: "test")
        // A queue of a few datagrams, so a burst while the reader is held overflows it.
        #expect(lean_set_int_option(fd, SOL_SOCKET, SO_RCVBUF, 4096) == 0)
        let local = try PosixSocket.localAddress(of: fd, configured: "test")
        let sink = GatedSink()
        let counters = SubscriptionCounters()
        let receiver = try SubscriptionReceiver(fd: fd, intake: Self.intake(sink, counters: counters))
        let sender = try SubscriptionSender(to: SocketAddressSpec(boundAddress: local))

        try sender.send(Array("first".utf8))
        #expect(try await sink.next().count == 1)  // the reader is held inside this batch
        let burst = 200
        for _ in 0..<burst { try sender.send(Array("burst".utf8)) }
        sink.open()
        #expect(try await sink.next().count < burst)  // what the queue held, now drained
        // The queue is empty: this one is queued, and reports every drop before it.
        try sender.send(Array("last".utf8))
        #expect(try await sink.next().map { String(buffer: $0.bytes) } == ["last"])
        receiver.stop()

        let counts = counters.snapshot
        #expect(counts.overflowed > 0)
        #expect(counts.received + counts.overflowed == burst + 2)
    }

    @Test("re-announces taken in place reach every replica: a changed weight lands, a node new in the batch is created and refreshed, a bad datagram is refused")
    func reannouncesInPlace() throws {
        let engine = try RouterEngineTests.engine(["--http", ":0", "--http-subscription-server", "127.0.0.1:0"])
        #expect(engine.takesRefreshesInPlace)
        func datagram(_ address: String, weight: UInt64, cores: UInt64? = nil) throws -> SubscriptionDatagram {
            try RouterEngineTests.datagram(SubscriptionPacket(key: "app.local", address: address, cores: cores, weight: weight))
        }
        let first = engine.receive(batch: [try datagram("127.0.0.1:4001", weight: 1)])
        #expect(first.count == 1)
        var truncated = try datagram("127.0.0.1:4001", weight: 7)
        truncated.bytes.moveWriterIndex(to: truncated.bytes.writerIndex - 1)
        let outcomes = engine.receive(batch: [
            try datagram("127.0.0.1:4001", weight: 5, cores: 2),  // a refresh in place
            try datagram("127.0.0.1:4002", weight: 2),  // new: decoded under the lock and created
            truncated,  // malformed: refused by the decoder, as before
            try datagram("127.0.0.1:4002", weight: 4),  // refreshed in place right after
        ])
        #expect(outcomes.map { (try? $0.get()) != nil } == [true, true, false, true])
        #expect(throws: WireError.self) { try outcomes[2].get() }
        for replica in engine.replicas {
            let nodes = replica.core.withLockedValue { core in
                core.state.table.slot(for: "app.local")?.nodes.map { "\($0.address) w\($0.announcedWeight) c\($0.cores)" }
            }
            #expect(nodes == ["127.0.0.1:4001 w5 c2", "127.0.0.1:4002 w4 c0"])
            #expect(replica.core.withLockedValue { $0.endpoints["127.0.0.1:4002"] } != nil)
        }
    }

    @Test("re-announces are decoded whenever a check needs the packet (node allow-list, credentials, signatures) or -resubscribe forwards it")
    func inPlaceOnlyWhenNothingNeedsThePacket() throws {
        #expect(!SubscriptionTrust().checksPackets)
        var nodes = SubscriptionTrust()
        nodes.allowedNodes = [.pathPrefix("/run/uwsgi/")]
        var credentials = SubscriptionTrust()
        credentials.credentialDirectories = ["/nonexistent/"]
        var signatures = SubscriptionTrust()
        signatures.signatures = SubscriptionSignatureCheck(digest: .sha256, directory: "/nonexistent", toleranceSeconds: 60, wallClock: { 0 })
        let checking = [nodes, credentials, signatures].map(\.checksPackets)
        #expect(checking == [true, true, true])
        let chained = try RouterEngineTests.engine([
            "--http", ":0", "--http-subscription-server", "127.0.0.1:0", "--http-resubscribe", "127.0.0.1:9",
        ])
        #expect(!chained.takesRefreshesInPlace)
    }
}
