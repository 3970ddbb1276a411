import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import FleetApp

/// What the demo's stop closes and waits for before its event loops shut down.
@Suite("Demo channels: no exchange outlives the demo's loops")
struct DemoChannelsTests {
    @Test("after closeAll no exchange begins; one in flight is waited for until it ends")
    func exchangesEndBeforeTheLoops() async throws {
        let channels = DemoChannels()
        #expect(channels.begin())
        await channels.closeAll()
        let lateStart = channels.begin()
        #expect(!lateStart, "an exchange began after closeAll")

        let finished = Mutex(false)
        let waiter = Task {
            await channels.waitForExchanges()
            finished.withLock { $0 = true }
        }
        // Room for a wait that ignores the exchange in flight to return (none may).
        try await Task.sleep(for: .milliseconds(50))
        let early = finished.withLock { $0 }
        #expect(!early, "the wait returned while an exchange was in flight")
        channels.end()
        await waiter.value
        let done = finished.withLock { $0 }
        #expect(done)
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
