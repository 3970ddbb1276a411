import NIOCore
import NIOPosix
import RouterWire

/// The demo fleet's nodes: loopback TCP servers that answer like a tiny application.
///
/// An application node reads one uwsgi request packet and answers a fixed HTTP response,
/// then closes (as a uWSGI worker does with `Connection: close`); for `PATH_INFO` `/stream` it
/// streams a line at a time for a while instead, and for a WebSocket upgrade it echoes frames
/// until the client closes. An echo node (behind the raw router) sends every byte back and
/// closes after a newline.
final class DemoNodeServer: Sendable {
    /// What the node does with a connection.
    enum Behaviour: Sendable {
        /// Answer one uwsgi request with an HTTP response whose body names `name`.
        case application(name: String, stream: StreamPace)
        /// Echo bytes back; close after a newline.
        case echo
    }

    /// How a `/stream` response is paced: one line every `interval`, `lines` lines in all.
    struct StreamPace: Sendable {
        var interval: TimeAmount
        var lines: Int

        /// A line every 250 ms for 20 s.
        static let standard = StreamPace(interval: .milliseconds(250), lines: 80)
    }

    /// `127.0.0.1:PORT`, the node's address as routers list it.
    let address: String
    private let channel: any Channel

    private init(address: String, channel: any Channel) {
        self.address = address
        self.channel = channel
    }

    /// Binds a node on 127.0.0.1, port 0. Its accepted connections join `channels` (when
    /// given), so the demo's stop closes them with everything else.
    static func start(_ behaviour: Behaviour, group: any EventLoopGroup, channels: DemoChannels? = nil) async throws -> DemoNodeServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channels?.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    switch behaviour {
                    case let .application(name, stream):
                        try channel.pipeline.syncOperations.addHandler(ApplicationHandler(name: name, stream: stream))
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

    /// Stops accepting; connections in progress finish on their own (or close with the demo's channels).
    func stop() async {
        try? await channel.close()
    }
}

/// Reads one uwsgi packet, then answers it: a fixed response, a slow stream, or a WebSocket echo.
private final class ApplicationHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Mode {
        case request
        case answered
        case webSocket
    }

    private let name: String
    private let body: String
    private let stream: DemoNodeServer.StreamPace
    private var received = ByteBuffer()
    private var decoder = UwsgiPacketDecoder()
    private var mode = Mode.request
    private var streamed = 0
    private var nextLine: Scheduled<Void>?

    init(name: String, stream: DemoNodeServer.StreamPace) {
        self.name = name
        self.stream = stream
        // Padding so the routers' tx counters move visibly.
        body = "hello from \(name)\n" + String(repeating: "fleettop demo payload\n", count: 40)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        received.writeBuffer(&chunk)
        switch mode {
        case .answered:
            received.clear()
        case .webSocket:
            echoFrames(context: context)
        case .request:
            let packet: UwsgiPacket?
            do {
                packet = try decoder.decodePacket(buffer: &received)
            } catch {
                context.close(promise: nil)
                return
            }
            guard let packet else { return }
            answer(packet, context: context)
        }
    }

    private func answer(_ packet: UwsgiPacket, context: ChannelHandlerContext) {
        let channel = context.channel
        if packet.string(for: "HTTP_UPGRADE")?.lowercased() == "websocket", let key = packet.string(for: "HTTP_SEC_WEBSOCKET_KEY") {
            mode = .webSocket
            context.writeAndFlush(wrapOutboundOut(DemoWebSocket.switchingProtocols(key: key)), promise: nil)
            echoFrames(context: context)
            return
        }
        mode = .answered
        received.clear()
        if packet.string(for: "PATH_INFO") == "/stream" {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
            context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(string: head)), promise: nil)
            scheduleLine(on: channel)
            return
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
        let response = channel.allocator.buffer(string: head + body)
        context.writeAndFlush(wrapOutboundOut(response)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Sends the next `/stream` line after the pace's interval, on the channel's own loop; the
    /// last one closes the response.
    private func scheduleLine(on channel: any Channel) {
        nextLine = channel.eventLoop.assumeIsolated().scheduleTask(in: stream.interval) { [self] in
            streamed += 1
            let line = "\(name) streaming line \(streamed) of \(stream.lines)\n" + String(repeating: ".", count: 200) + "\n"
            let written = channel.writeAndFlush(channel.allocator.buffer(string: line))
            if streamed >= stream.lines {
                written.whenComplete { _ in channel.close(promise: nil) }
            } else {
                scheduleLine(on: channel)
            }
        }
    }

    /// Answers every whole frame received: text is echoed, ping is ponged, close is returned and ends it.
    private func echoFrames(context: ChannelHandlerContext) {
        let channel = context.channel
        while true {
            let frame: DemoWebSocket.Frame?
            do {
                frame = try DemoWebSocket.readFrame(from: &received)
            } catch {
                context.close(promise: nil)
                return
            }
            guard let frame else { break }
            switch DemoWebSocket.Opcode(rawValue: frame.opcode) {
            case .text?:
                context.write(wrapOutboundOut(DemoWebSocket.frame(.text, payload: frame.payload)), promise: nil)
            case .ping?:
                context.write(wrapOutboundOut(DemoWebSocket.frame(.pong, payload: frame.payload)), promise: nil)
            case .close?:
                context.writeAndFlush(wrapOutboundOut(DemoWebSocket.frame(.close, payload: frame.payload)))
                    .whenComplete { _ in channel.close(promise: nil) }
                return
            case .pong?, nil:
                break
            }
        }
        received.discardReadBytes()
        context.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        nextLine?.cancel()
        nextLine = nil
        context.fireChannelInactive()
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
