import NIOCore
import NIOPosix
import RouterWire

/// A resolver on a unix socket speaking `CodeSocketProtocol`, in the test process: keys
/// `p<PORT>.…` answer `127.0.0.1:<PORT>`, `garbage.…` an address that does not parse,
/// `status.…` a 500, `silent.…` nothing at all (the connection stays open), anything else 404.
final class FakeCodeResolverServer: Sendable {
    let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    static func start(path: String, group: any EventLoopGroup) async throws -> FakeCodeResolverServer {
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture { try child.pipeline.syncOperations.addHandler(Handler()) }
            }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
            .get()
        return FakeCodeResolverServer(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }

    static func answer(for key: String) -> String? {
        if key.hasPrefix("silent.") { return nil }
        if key.hasPrefix("garbage.") { return "HTTP/1.1 200 OK\r\n\r\nnot an address:x" }
        if key.hasPrefix("status.") { return "HTTP/1.1 500 Internal Server Error\r\n\r\n" }
        if key.hasPrefix("p"), let dot = key.firstIndex(of: "."), let port = Int(key[key.index(after: key.startIndex)..<dot]) {
            return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n127.0.0.1:\(port)\n"
        }
        return "HTTP/1.1 404 Not Found\r\n\r\n"
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        private var received = ByteBuffer()

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            received.writeBuffer(&bytes)
            var probe = received
            var decoder = UwsgiPacketDecoder(maximumVarBlockSize: 65535)
            guard let packet = try? decoder.decodePacket(buffer: &probe) else { return }
            let key = packet.vars.value(for: "FLEETROUTER_KEY").map { String(decoding: $0, as: UTF8.self) } ?? ""
            guard let answer = FakeCodeResolverServer.answer(for: key) else { return }
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer))).whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
