import Logging
import NIOCore
import NIOSSL
import Synchronization

/// The first handler of a TLS client: holds the bytes until the ClientHello is whole, then puts
/// a `NIOSSLServerHandler` with the context for its SNI name right behind itself, hands it
/// every byte held and leaves the pipeline. Plaintext HTTP gets a 400 in plaintext (HTTPS
/// listeners) or a close; a bad hello or SNI name a counted close.
final class TLSHelloHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connection: TLSAcceptConnection
    private var held: ByteBuffer?

    init(connection: TLSAcceptConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if held == nil {
            held = bytes
        } else {
            held!.writeBuffer(&bytes)
        }
        guard let buffer = held else { return }
        switch connection.machine.helloRead(ClientHelloParser.parse(buffer), buffered: buffer.readableBytes) {
        case .answerPlaintext:
            held = nil
            connection.layer.counters.count(.plaintext)
            connection.layer.logger.info("plaintext HTTP on a TLS listener, answered 400", metadata: ["client": "\(context.remoteAddress?.description ?? "-")"])
            context.write(NIOAny(ByteBuffer(string: Self.plaintextAnswer)), promise: nil)
            flushAndClose(context)
        case .close(let refusal):
            held = nil
            connection.record(refusal, client: context.remoteAddress)
            context.close(promise: nil)
        case .startTLS(let serverName):
            held = nil
            connection.serverName = serverName
            let tls = NIOSSLServerHandler(context: connection.layer.contexts.context(for: serverName))
            do {
                try context.pipeline.syncOperations.addHandler(tls, position: .after(self))
            } catch {
                context.close(promise: nil)
                return
            }
            context.fireChannelRead(wrapInboundOut(buffer))
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case .waitForMore, .none, .armTimer, .activate, .activateAndForward, .forward:
            break
        }
    }

    /// The answer to plaintext HTTP on an HTTPS port (nginx answers it the same way, with 400).
    static let plaintextAnswer = {
        let body = "This port speaks HTTPS: the plain HTTP request was sent to an HTTPS port.\n"
        return "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
    }()
}
