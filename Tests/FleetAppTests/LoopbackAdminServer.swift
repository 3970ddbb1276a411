import FleetModel
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Two loopback listeners standing in for one fleetrouter: a raw stats server that writes a
/// fixed document, and an admin API that records every request and accepts edits only with
/// `Authorization: Bearer <token>` (401 otherwise).
final class LoopbackAdminServer: Sendable {
    /// One admin request as received.
    struct Request: Sendable {
        var head: String
        var body: [UInt8]

        /// The `Authorization` header's value, if any.
        var authorization: String? {
            head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("authorization:") }
                .map { String($0.dropFirst("authorization:".count)).trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Where the admin API listens.
    let admin: StatsAddress
    /// Where the stats server listens.
    let stats: StatsAddress
    private let group: MultiThreadedEventLoopGroup
    private let channels: [any Channel]
    private let received: NIOLockedValueBox<[Request]>

    /// Admin requests received so far, in order.
    var requests: [Request] { received.withLockedValue { $0 } }

    private init(admin: StatsAddress, stats: StatsAddress, group: MultiThreadedEventLoopGroup, channels: [any Channel],
                 received: NIOLockedValueBox<[Request]>) {
        self.admin = admin
        self.stats = stats
        self.group = group
        self.channels = channels
        self.received = received
    }

    /// Starts both listeners on ephemeral loopback ports; `document` is given the admin
    /// address to put in the stats (as a fleetrouter names its own admin API).
    static func start(token: String, document: @escaping @Sendable (StatsAddress) -> [UInt8]) async throws -> LoopbackAdminServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let received = NIOLockedValueBox<[Request]>([])
        do {
            let adminChannel = try await bootstrap(group) { AdminHandler(token: token, received: received) }
                .bind(host: "127.0.0.1", port: 0).get()
            let admin = StatsAddress.tcp(host: "127.0.0.1", port: UInt16(adminChannel.localAddress?.port ?? 0))
            let bytes = document(admin)
            let statsChannel: any Channel
            do {
                statsChannel = try await bootstrap(group) { StatsHandler(bytes: bytes) }.bind(host: "127.0.0.1", port: 0).get()
            } catch {
                try? await adminChannel.close()
                throw error
            }
            let stats = StatsAddress.tcp(host: "127.0.0.1", port: UInt16(statsChannel.localAddress?.port ?? 0))
            return LoopbackAdminServer(admin: admin, stats: stats, group: group, channels: [adminChannel, statsChannel], received: received)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private static func bootstrap<Handler: ChannelInboundHandler & Sendable>(
        _ group: MultiThreadedEventLoopGroup, _ handler: @escaping @Sendable () -> Handler
    ) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler()) }
            }
    }

    /// Closes both listeners and the event loop.
    func stop() async {
        for channel in channels { try? await channel.close() }
        try? await group.shutdownGracefully()
    }
}

/// Writes the stats document on connect and closes (a raw stats server).
private final class StatsHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }
}

/// Reads one HTTP request (head and Content-Length body), records it and answers 200 with a
/// successful admin reply when it carries the token, else 401.
private final class AdminHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    // One handler per connection, used on its event loop only.
    private let token: String
    private let received: NIOLockedValueBox<[LoopbackAdminServer.Request]>
    private var buffer = ByteBuffer()
    private var answered = false

    init(token: String, received: NIOLockedValueBox<[LoopbackAdminServer.Request]>) {
        self.token = token
        self.received = received
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        buffer.writeBuffer(&chunk)
        guard !answered, let request = Self.completeRequest(in: buffer) else { return }
        answered = true
        received.withLockedValue { $0.append(request) }
        let body: String
        let status: String
        if request.authorization == "Bearer \(token)" {
            status = "200 OK"
            body = #"{"ok":true,"operation":"drain","message":"draining"}"#
        } else {
            status = "401 Unauthorized"
            body = #"{"error":"this edit needs Authorization: Bearer <token>","status":401}"#
        }
        let answer = "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// The request once its head and Content-Length body are buffered.
    private static func completeRequest(in buffer: ByteBuffer) -> LoopbackAdminServer.Request? {
        let bytes = Array(buffer.readableBytesView)
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        guard bytes.count >= terminator.count,
              let end = (0...(bytes.count - terminator.count)).first(where: { Array(bytes[$0..<($0 + 4)]) == terminator }) else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        let length = head.split(separator: "\r\n").compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        let bodyStart = end + terminator.count
        guard length >= 0, bytes.count - bodyStart >= length else { return nil }
        return LoopbackAdminServer.Request(head: head, body: Array(bytes[bodyStart..<(bodyStart + length)]))
    }
}
