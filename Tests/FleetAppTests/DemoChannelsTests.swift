import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import FleetApp

/// What the demo's stop closes and waits for before its event loops shut down.
@Suite("Demo channels: no exchange outlives the demo's loops")
struct DemoChannelsTests {
    @Test("after closeAll no exchange begins; the loops shut down only when the one in flight ends",
          .timeLimit(.minutes(1)))
    func exchangesEndBeforeTheLoops() async throws {
        let channels = DemoChannels()
        #expect(channels.begin())
        await channels.closeAll()
        let lateStart = channels.begin()
        #expect(!lateStart, "an exchange began after closeAll")

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let shutDown = Atomic<Bool>(false)
        let (stopped, stop) = AsyncStream.makeStream(of: Void.self)
        channels.shutDown(group) {
            shutDown.store(true, ordering: .sequentiallyConsistent)
            stop.finish()
        }
        // The shutdown is asked for; the exchange in flight can still use its loop (a loop shut
        // down already would drop this task, and the time limit would end the test).
        let ran = try await group.next().submit { true }.get()
        #expect(ran, "the loop ran a task of the exchange in flight")
        let early = shutDown.load(ordering: .sequentiallyConsistent)
        #expect(!early, "the group shut down under an exchange in flight")
        channels.end()
        for await _ in stopped {}
        let done = shutDown.load(ordering: .sequentiallyConsistent)
        #expect(done)
    }

    @Test("with no exchange in flight the loops shut down at once", .timeLimit(.minutes(1)))
    func idleShutsDownAtOnce() async throws {
        let channels = DemoChannels()
        await channels.closeAll()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (stopped, stop) = AsyncStream.makeStream(of: Void.self)
        channels.shutDown(group) { stop.finish() }
        // NIO calls back once every loop of the group has stopped.
        for await _ in stopped {}
    }

    @Test("an exchange on a stopped demo returns nothing and never connects")
    func exchangeAfterStopDoesNotConnect() async throws {
        let accepted = Atomic<Int>(0)
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                accepted.add(1, ordering: .relaxed)
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let channels = DemoChannels()
        await channels.closeAll()
        let reply = await DemoExchange.run(host: "127.0.0.1", port: port, request: ByteBuffer(string: "x\n"),
                                           timeout: .seconds(5), group: group, channels: channels)
        #expect(reply.readableBytes == 0)
        // A connect that was made would be accepted before the server closes.
        try await server.close()
        #expect(accepted.load(ordering: .relaxed) == 0)
        #expect(channels.openCount == 0)
    }
}
