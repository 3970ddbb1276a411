import CNIOLinux
import DataPlaneTesting
import Glibc
import NIOCore
import RouterConfig
import Synchronization
import Testing
@testable import RouterRuntime

/// `--xxx-events` and `--xxx-buffer-size` on the data planes: the events option caps what one
/// lean wait returns, the buffer size sizes the lean loop's read buffers (only upwards) and a
/// NIO client connection's first read.
@Suite("Router tuning options on the data planes")
struct LeanTuningTests {
    /// Counts the readiness reports of the sockets registered with it.
    final class ReadyCounter: LeanPollable, @unchecked Sendable {
        let count = Atomic<Int>(0)
        func ready(_ events: UInt32) { count.add(1, ordering: .relaxed) }
    }

    /// Makes `sockets` socket pairs whose reading end already has a byte to read, registers
    /// every reading end on a loop with `eventsPerWait` in one task (so one wait finds them
    /// all ready), and returns the largest batch a wait returned.
    static func largestBatch(eventsPerWait: Int, sockets: Int, backend: LeanBackend) async throws -> Int {
        let loop = try LeanEventLoop(name: "tuning-test", backend: backend, tuning: LeanTuning(eventsPerWait: eventsPerWait))
        loop.start()
        var pairs: [(CInt, CInt)] = []
        defer {
            loop.stop()
            loop.join()
            for (a, b) in pairs { Glibc.close(a); Glibc.close(b) }
        }
        for _ in 0..<sockets {
            var fds: [CInt] = [0, 0]
            guard socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0, &fds) == 0 else {
                throw TestTimeout(what: "socketpair: errno \(errno)")
            }
            pairs.append((fds[0], fds[1]))
            var byte: UInt8 = 1
            _ = Glibc.write(fds[1], &byte, 1)
        }
        let counter = ReadyCounter()
        let readers = pairs.map(\.0)
        _ = loop.execute {
            for fd in readers { try? loop.register(fd, handler: counter) }
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while counter.count.load(ordering: .relaxed) < sockets {
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: "\(sockets) readiness reports") }
            try await Task.sleep(for: .milliseconds(2))
        }
        return loop.largestBatch
    }

    static var backends: [LeanBackend] {
        TransportUnderTest.available.compactMap { LeanBackend(rawValue: $0) }
    }

    @Test("--xxx-events N: one wait returns at most N of the ready sockets; without it, all of them at once",
          arguments: [LeanBackend.epoll, .uring])
    func eventsCapTheBatch(backend: LeanBackend) async throws {
        guard Self.backends.contains(backend) else { return }
        #expect(try await Self.largestBatch(eventsPerWait: 2, sockets: 12, backend: backend) == 2)
        #expect(try await Self.largestBatch(eventsPerWait: 5, sockets: 12, backend: backend) == 5)
        #expect(try await Self.largestBatch(eventsPerWait: LeanTuning.defaultEventsPerWait, sockets: 12, backend: backend) > 5)
    }

    @Test("a router's -events and -buffer-size become its lean loops' batch and read-buffer size")
    func specToLeanTuning() throws {
        var spec = RouterSpec(kind: .http)
        #expect(LeanTuning(spec, backend: .epoll) == LeanTuning(eventsPerWait: 256, readBufferSize: 65536))
        spec.events = 64
        spec.bufferSize = 4096
        // A 4 KiB read buffer would multiply the reads of every body: only larger sizes apply.
        #expect(LeanTuning(spec, backend: .epoll) == LeanTuning(eventsPerWait: 64, readBufferSize: 65536))
        spec.events = 1000
        spec.bufferSize = 256 * 1024
        #expect(LeanTuning(spec, backend: .epoll) == LeanTuning(eventsPerWait: 1000, readBufferSize: 256 * 1024))
        #expect(LeanTuning(spec, backend: .uring) == LeanTuning(eventsPerWait: 256, readBufferSize: 256 * 1024))
        let transport = try LeanTransport(threads: 1, name: "tuning", backend: .epoll, tuning: LeanTuning(spec, backend: .epoll))
        defer { Task { await transport.shutdown() } }
        #expect(transport.tuning.readBufferSize == 256 * 1024 && transport.tuning.eventsPerWait == 1000)
    }

    @Test("a lean loop reads into buffers of the tuned size")
    func leanBuffersHaveTheTunedSize() throws {
        let loop = try LeanEventLoop(name: "tuning-buffers", tuning: LeanTuning(readBufferSize: 128 * 1024))
        #expect(loop.buffers.bufferSize == 128 * 1024)
        var pool = loop.buffers
        #expect(pool.take().writableBytes >= 128 * 1024)
    }

    @Test("NIO: a client connection's first read gets -buffer-size bytes, later reads adapt up to 64 KiB (or the size when larger)",
          arguments: [(4096, 4096, 65536), (100, 64, 65536), (1, 64, 65536), (200_000, 131_072, 262_144)])
    func nioReceiveAllocator(bufferSize: Int, initial: Int, maximum: Int) {
        let allocator = ClientListener.receiveAllocator(bufferSize: bufferSize)
        #expect(allocator.initial == initial && allocator.maximum == maximum && allocator.minimum == 64)
        #expect(allocator.buffer(allocator: ByteBufferAllocator()).capacity >= initial)
    }

    @Test("the NIO transport of a router carries its -buffer-size to its listeners")
    func nioTransportTakesTheSize() async throws {
        let transport = NIOTransport(threads: 1, receiveBufferSize: 8192)
        #expect(transport.receiveBufferSize == 8192)
        await transport.shutdown()
    }
}
