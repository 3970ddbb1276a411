import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@testable import RouterRuntime

/// A loopback stream client for tests: connects, optionally writes bytes, collects everything
/// until EOF. Its own deadline closes the connection, so every wait is bounded.
final class TestClient: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    /// What a finished exchange saw.
    struct Result: Sendable {
        var bytes: [UInt8]
        /// True when the server closed; false when the client's deadline did.
        var sawEOF: Bool
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    private let collected = NIOLockedBox()
    let done: EventLoopPromise<Result>

    private init(done: EventLoopPromise<Result>) { self.done = done }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        collected.append(Array(unwrapInboundIn(data).readableBytesView))
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.succeed(Result(bytes: collected.bytes, sawEOF: !collected.timedOut))
    }

    /// An open connection; `result` completes when it closes.
    struct Connection: Sendable {
        let channel: any Channel
        let client: TestClient
        func send(_ text: String) async throws {
            try await channel.writeAndFlush(ByteBuffer(string: text))
        }
        func result() async throws -> Result { try await client.done.futureResult.get() }
        var isOpen: Bool { channel.isActive }
    }

    /// Connects to `spec` (inet, unix path or abstract), with a deadline of `timeout`.
    static func connect(_ spec: SocketAddressSpec, group: any EventLoopGroup, timeout: TimeAmount = .seconds(10)) async throws -> Connection {
        let loop = group.next()
        let client = TestClient(done: loop.makePromise())
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(client) }
            }
        let channel: any Channel
        do {
            if case .abstract(let name) = spec.kind {
                let fd = try PosixSocket.connectedAbstractStream(name: name, configured: spec.configured)
                channel = try await bootstrap.withConnectedSocket(fd).get()
            } else {
                channel = try await bootstrap.connect(to: try spec.resolved()).get()
            }
        } catch {
            client.done.fail(error)
            throw error
        }
        let box = client.collected
        channel.eventLoop.scheduleTask(in: timeout) {
            box.markTimedOut()
            channel.close(promise: nil)
        }
        return Connection(channel: channel, client: client)
    }

    /// Connects, writes `request` (if any) and returns everything read until EOF.
    static func exchange(_ spec: SocketAddressSpec, group: any EventLoopGroup, request: String? = nil, timeout: TimeAmount = .seconds(10)) async throws -> Result {
        let connection = try await connect(spec, group: group, timeout: timeout)
        if let request { try await connection.send(request) }
        return try await connection.result()
    }
}

/// The client's mutable state behind a lock.
final class NIOLockedBox: Sendable {
    private let box = NIOLockedValueBox<([UInt8], Bool)>(([], false))
    var bytes: [UInt8] { box.withLockedValue { $0.0 } }
    var timedOut: Bool { box.withLockedValue { $0.1 } }
    func append(_ more: [UInt8]) { box.withLockedValue { $0.0 += more } }
    func markTimedOut() { box.withLockedValue { $0.1 = true } }
}

