import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@testable import RouterRuntime

/// A loopback stream client for tests: connects, optionally writes bytes, collects everything
/// until EOF. Its own deadline closes the connection, so every wait is bounded.
///
/// The first request is written from `channelActive`, on the event loop, rather than after
/// `connect` returns to the test task: under load that hop can take longer than a server's
/// deadline, and the server closing first must show in the result, not as a write error.
final class TestClient: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What a finished exchange saw.
    struct Result: Sendable {
        var bytes: [UInt8]
        /// True when the server closed; false when the client's deadline did.
        var sawEOF: Bool
        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    private let collected = NIOLockedBox()
    let done: EventLoopPromise<Result>
    /// Completes at the first bytes read (or at close, whichever comes first).
    let firstRead: EventLoopPromise<Void>
    private let request: String?
    private let timeout: TimeAmount

    private init(loop: any EventLoop, request: String?, timeout: TimeAmount) {
        self.done = loop.makePromise()
        self.firstRead = loop.makePromise()
        self.request = request
        self.timeout = timeout
    }

    func channelActive(context: ChannelHandlerContext) {
        let box = collected
        let channel = context.channel
        context.eventLoop.scheduleTask(in: timeout) {
            box.markTimedOut()
            channel.close(promise: nil)
        }
        if let request {
            // A failed write means the server closed first; what it sent is still collected.
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: request)), promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        collected.append(Array(unwrapInboundIn(data).readableBytesView))
        firstRead.succeed()
    }

    func channelInactive(context: ChannelHandlerContext) {
        firstRead.succeed()
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
        /// Waits until the server has sent something (or closed): an event, not a delay.
        func firstBytes() async throws { try await client.firstRead.futureResult.get() }
        var isOpen: Bool { channel.isActive }
        /// Everything read so far (the connection may still be open).
        var received: [UInt8] { client.collected.bytes }
    }

    /// Connects to `spec` (inet, unix path or abstract), writes `request` (if any) as soon as
    /// connected, with a deadline of `timeout` (generous: it only ends a test that already failed).
    /// `front` adds handlers before the client's (a TLS client handler).
    static func connect(
        _ spec: SocketAddressSpec, group: any EventLoopGroup, request: String? = nil, timeout: TimeAmount = .seconds(60),
        front: (@Sendable (any Channel) throws -> Void)? = nil
    ) async throws -> Connection {
        let loop = group.next()
        let client = TestClient(loop: loop, request: request, timeout: timeout)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(30))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try front?(channel)
                    try channel.pipeline.syncOperations.addHandler(client)
                }
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
            client.firstRead.fail(error)
            throw error
        }
        return Connection(channel: channel, client: client)
    }

    /// Connects, writes `request` (if any) and returns everything read until EOF.
    static func exchange(_ spec: SocketAddressSpec, group: any EventLoopGroup, request: String? = nil, timeout: TimeAmount = .seconds(60)) async throws -> Result {
        try await connect(spec, group: group, request: request, timeout: timeout).result()
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

