import NIOCore
import NIOPosix
import Synchronization

/// A tiny uwsgi node on loopback: parses the uwsgi packet, reads CONTENT_LENGTH body bytes
/// (summing them), then answers a raw HTTP response whose body lists what it saw, and closes.
final class FakeUwsgiNode: Sendable {
    enum Answer: Sendable {
        /// `HTTP/1.1 200 OK` with Content-Length.
        case contentLength
        /// `HTTP/1.1 200 OK` with neither Content-Length nor Transfer-Encoding.
        case noLength
        /// 101 Switching Protocols, then echo every byte back uppercased.
        case webSocketEcho
        /// Raw TCP: echo bytes; on the client's half-close, send `BYE <n>` and close.
        case rawEcho
        /// Read the whole request, then close without a byte (a node dying mid-request).
        case closeUnanswered
        /// Read the whole request, send the start of a response, then close (dying mid-answer).
        case partialThenClose
        /// Like `noLength`, marked `uWSGI-Encoding: gzip` (auto-gzip).
        case gzipMarked
        /// Raw TCP, an SMTP server: a greeting on connect, then `250 <line>` for each line.
        case smtp
    }

    let channel: any Channel
    let port: Int
    /// Requests whose packet was fully read.
    let requests = Atomic<Int>(0)

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    static func start(_ answer: Answer, group: any EventLoopGroup) async throws -> FakeUwsgiNode {
        let holder = Holder()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(NodeHandler(answer: answer, holder: holder))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let node = FakeUwsgiNode(channel: channel)
        holder.node.withLock { $0 = node }
        return node
    }

    func stop() async {
        try? await channel.close()
    }

    final class Holder: Sendable {
        let node = Mutex<FakeUwsgiNode?>(nil)
    }
}

/// What the fake node writes for one request.
private final class NodeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let answer: FakeUwsgiNode.Answer
    let holder: FakeUwsgiNode.Holder
    var buffer = ByteBuffer()
    var header: (UInt8, UInt8)?
    var vars: [(String, String)] = []
    var bodyExpected = 0
    var bodySeen = 0
    var bodySum: UInt64 = 0
    var rawCount = 0
    var answered = false

    init(answer: FakeUwsgiNode.Answer, holder: FakeUwsgiNode.Holder) {
        self.answer = answer
        self.holder = holder
    }

    func channelActive(context: ChannelHandlerContext) {
        if case .smtp = answer {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "220 node greeting\r\n")), promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if case .smtp = answer {
            buffer.writeBuffer(&bytes)
            while let end = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")),
                  let line = buffer.readString(length: end - buffer.readerIndex + 1) {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "250 \(line)")), promise: nil)
            }
            return
        }
        if case .rawEcho = answer {
            rawCount += bytes.readableBytes
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            return
        }
        if answered, case .webSocketEcho = answer {
            let upper = String(decoding: bytes.readableBytesView, as: UTF8.self).uppercased()
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: upper)), promise: nil)
            return
        }
        if header == nil {
            buffer.writeBuffer(&bytes)
            guard buffer.readableBytes >= 4,
                let size = buffer.getInteger(at: buffer.readerIndex + 1, endianness: .little, as: UInt16.self),
                buffer.readableBytes >= 4 + Int(size),
                let m1 = buffer.readInteger(as: UInt8.self),
                buffer.readInteger(as: UInt16.self) != nil,
                let m2 = buffer.readInteger(as: UInt8.self),
                var block = buffer.readSlice(length: Int(size))
            else { return }
            header = (m1, m2)
            while let kl = block.readInteger(endianness: .little, as: UInt16.self),
                let k = block.readString(length: Int(kl)),
                let vl = block.readInteger(endianness: .little, as: UInt16.self),
                let v = block.readBytes(length: Int(vl))
            {
                vars.append((k, String(decoding: v, as: UTF8.self)))
            }
            bodyExpected = vars.first { $0.0 == "CONTENT_LENGTH" }.flatMap { Int($0.1) } ?? 0
            holder.node.withLock { $0 }?.requests.add(1, ordering: .relaxed)
            bytes = buffer
        }
        for byte in bytes.readableBytesView where bodySeen < bodyExpected {
            bodySum = bodySum &* 31 &+ UInt64(byte)
            bodySeen += 1
        }
        if bodySeen >= bodyExpected, !answered {
            answered = true
            respond(context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event, case .rawEcho = answer {
            let bye = ByteBuffer(string: "BYE \(rawCount)")
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(bye)).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    private func respond(context: ChannelHandlerContext) {
        var lines = "MOD=\(header?.0 ?? 0),\(header?.1 ?? 0)\n"
        for (k, v) in vars { lines += "\(k)=\(v)\n" }
        lines += "BODY=\(bodySeen):\(bodySum)\n"
        let head: String
        switch answer {
        case .contentLength: head = "HTTP/1.1 200 OK\r\nContent-Length: \(lines.utf8.count)\r\n\r\n"
        case .noLength: head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
        case .gzipMarked: head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nuWSGI-Encoding: gzip\r\n\r\n"
        case .webSocketEcho:
            context.writeAndFlush(
                wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")),
                promise: nil
            )
            return
        case .rawEcho, .smtp: return
        case .closeUnanswered:
            context.close(promise: nil)
            return
        case .partialThenClose:
            let channel = context.channel
            let partial = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
            context.writeAndFlush(wrapOutboundOut(partial)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: head + lines))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
