import FleetModel
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
@testable import FleetClient

#if canImport(Glibc)
import Glibc
import Foundation
#endif

/// A loopback stream server standing in for a stats server or fleetrouter's admin API, with
/// one scripted behaviour per connection.
final class FakeStatsServer: Sendable {
    /// What the server does with each connection.
    enum Behaviour: Sendable {
        /// Writes the bytes at once and closes (a raw stats server, or garbage, or half a document).
        case writeOnConnect([UInt8])
        /// Waits for any bytes, then writes and closes (uWSGI's `--stats-http`).
        case answerAfterAnyBytes([UInt8])
        /// Waits for a complete HTTP request (head and Content-Length body), then writes the
        /// answer the closure gives and closes.
        case answerHTTPRequest(@Sendable (String, [UInt8]) -> [UInt8])
        /// Accepts and never writes.
        case hang
    }

    /// Where the server listens.
    enum Place {
        case tcp
        case unix
        case abstract
    }

    /// One request as received (for `answerHTTPRequest` and `answerAfterAnyBytes`).
    struct Received: Sendable {
        var head: String
        var body: [UInt8]
    }

    let channel: any Channel
    /// The address clients use (raw form; see `httpAddress`).
    let address: StatsAddress
    private let received: NIOLockedValueBox<[Received]>
    private let socketPath: String?

    /// Requests received so far.
    var requests: [Received] { received.withLockedValue { $0 } }

    private init(channel: any Channel, address: StatsAddress, received: NIOLockedValueBox<[Received]>, socketPath: String?) {
        self.channel = channel
        self.address = address
        self.received = received
        self.socketPath = socketPath
    }

    /// `http://127.0.0.1:PORT/` for a TCP server.
    var httpAddress: StatsAddress {
        guard case let .tcp(host, port) = address else { return address }
        return .http(host: host, port: port, path: "/")
    }

    /// Starts a server with `behaviour` on an ephemeral port, a temporary socket file, or a
    /// fresh abstract name.
    static func start(_ behaviour: Behaviour, on place: Place = .tcp) async throws -> FakeStatsServer {
        let received = NIOLockedValueBox<[Received]>([])
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ScriptHandler(behaviour: behaviour, received: received))
                }
            }
        switch place {
        case .tcp:
            let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
            let port = UInt16(channel.localAddress?.port ?? 0)
            return FakeStatsServer(channel: channel, address: .tcp(host: "127.0.0.1", port: port), received: received, socketPath: nil)
        case .unix:
            let path = TestNames.socketPath()
            let channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            return FakeStatsServer(channel: channel, address: .unix(path: path), received: received, socketPath: path)
        case .abstract:
            let name = TestNames.unique("stats")
            let fd = try TestSockets.boundAbstractListener(name: name)
            let channel = try await bootstrap.withBoundSocket(fd).get()
            return FakeStatsServer(channel: channel, address: .abstract(name: name), received: received, socketPath: nil)
        }
    }

    /// Closes the listener (open connections close with it or with the client).
    func stop() async {
        try? await channel.close()
        if let socketPath { unlink(socketPath) }
    }
}

/// Carries out one `Behaviour` on one accepted connection.
private final class ScriptHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let behaviour: FakeStatsServer.Behaviour
    private let received: NIOLockedValueBox<[FakeStatsServer.Received]>
    private var buffer = ByteBuffer()
    private var answered = false

    init(behaviour: FakeStatsServer.Behaviour, received: NIOLockedValueBox<[FakeStatsServer.Received]>) {
        self.behaviour = behaviour
        self.received = received
    }

    func channelActive(context: ChannelHandlerContext) {
        if case let .writeOnConnect(bytes) = behaviour { answer(bytes, context: context) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        buffer.writeBuffer(&chunk)
        guard !answered else { return }
        switch behaviour {
        case let .answerAfterAnyBytes(bytes):
            received.withLockedValue { $0.append(.init(head: String(buffer: buffer), body: [])) }
            answer(bytes, context: context)
        case let .answerHTTPRequest(respond):
            guard let (head, body) = Self.completeRequest(in: buffer) else { return }
            received.withLockedValue { $0.append(.init(head: head, body: body)) }
            answer(respond(head, body), context: context)
        case .writeOnConnect, .hang:
            break
        }
    }

    private func answer(_ bytes: [UInt8], context: ChannelHandlerContext) {
        answered = true
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// The head and body once a whole request with its Content-Length body is buffered.
    private static func completeRequest(in buffer: ByteBuffer) -> (String, [UInt8])? {
        let text = String(buffer: buffer)
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let head = String(text[..<end.lowerBound])
        let length = head.split(separator: "\r\n").compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: " "))
        }.first ?? 0
        let headBytes = text[..<end.upperBound].utf8.count
        guard buffer.readableBytes >= headBytes + length else { return nil }
        let body = buffer.getBytes(at: buffer.readerIndex + headBytes, length: length) ?? []
        return (head, body)
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
