import NIOCore
import NIOPosix

/// The demo fleet's nodes: loopback TCP servers that answer like a tiny application.
///
/// An application node reads one uwsgi request packet and answers a fixed HTTP response,
/// then closes (as a uWSGI worker does with `Connection: close`); an echo node (behind the
/// raw router) sends every byte back and closes after a newline.
final class DemoNodeServer: Sendable {
    /// What the node does with a connection.
    enum Behaviour: Sendable {
        /// Answer one uwsgi request with an HTTP response whose body names `name`.
        case application(name: String)
        /// Echo bytes back; close after a newline.
        case echo
    }

    /// `127.0.0.1:PORT`, the node's address as routers list it.
    let address: String
    private let channel: any Channel

    private init(address: String, channel: any Channel) {
        self.address = address
        self.channel = channel
    }

    /// Binds a node on 127.0.0.1, port 0.
    static func start(_ behaviour: Behaviour, group: any EventLoopGroup) async throws -> DemoNodeServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    switch behaviour {
                    case let .application(name):
                        try channel.pipeline.syncOperations.addHandler(ApplicationHandler(name: name))
                    case .echo:
                        try channel.pipeline.syncOperations.addHandler(EchoHandler())
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = channel.localAddress?.port ?? 0
        return DemoNodeServer(address: "127.0.0.1:\(port)", channel: channel)
    }

    /// Stops accepting; connections in progress finish on their own.
    func stop() async {
        try? await channel.close()
    }
}

/// Reads one uwsgi packet (4-byte header, then `datasize` bytes of vars), answers, closes.
private final class ApplicationHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let body: String
    private var received: ByteBuffer?
    private var answered = false

    init(name: String) {
        // Padding so the routers' tx counters move visibly.
        body = "hello from \(name)\n" + String(repeating: "fleettop demo payload\n", count: 40)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        if received == nil { received = chunk } else { received?.writeBuffer(&chunk) }
        guard !answered, let buffer = received, buffer.readableBytes >= 4,
              let low = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self),
              let high = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt8.self) else { return }
        let size = Int(low) | Int(high) << 8
        guard buffer.readableBytes >= 4 + size else { return }
        answered = true
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        let response = context.channel.allocator.buffer(string: head + body)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(response)).whenComplete { _ in channel.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Sends every byte back; closes after the chunk holding a newline.
private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let chunk = unwrapInboundIn(data)
        let last = chunk.readableBytesView.contains(UInt8(ascii: "\n"))
        let written = context.writeAndFlush(data)
        let channel = context.channel
        if last { written.whenComplete { _ in channel.close(promise: nil) } }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
