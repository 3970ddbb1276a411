import NIOCore
import NIOPosix

/// The demo fleet's long-lived sessions, so the Connections screen and the SESS column show
/// real ones with ages and bytes moving: a slow streaming response through the HTTP router and
/// one through the fast router, a WebSocket echo through the HTTP router, and a raw-router
/// session that sends a line fragment every second. Each starts again when it ends.
struct DemoSessions: Sendable {
    /// How long-lived sessions are paced.
    struct Pace: Sendable {
        /// Between two messages of a WebSocket or raw session.
        var interval: TimeAmount
        /// Messages before a WebSocket or raw session closes (and a new one opens).
        var messages: Int
        /// The longest a stream may take before it is cut off (the node ends it sooner).
        var streamLimit: TimeAmount

        /// A message a second for 20 s; streams end on their own within 20 s. Short enough that a
        /// drained node's sessions finish while someone watches it go from draining to drained.
        static let standard = Pace(interval: .seconds(1), messages: 20, streamLimit: .seconds(30))
    }

    var http: (host: String, port: Int)
    var fastrouter: (host: String, port: Int)
    var rawrouter: (host: String, port: Int)
    /// The subscription keys: the first carries the streams, the last the WebSocket.
    var keys: [String]
    var pace: Pace
    var group: any EventLoopGroup
    /// Where every session's connection is tracked, so the demo's stop closes them all.
    var channels: DemoChannels

    /// Keeps every session open (re-opening each as it ends) until the task is cancelled.
    func run() async {
        let streamKey = keys.first ?? "app.local"
        let socketKey = keys.last ?? streamKey
        let pace = self.pace
        let group = self.group
        let channels = self.channels
        let http = self.http, fastrouter = self.fastrouter, rawrouter = self.rawrouter
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                await Self.repeatUntilCancelled {
                    await DemoExchange.run(host: http.host, port: http.port, request: Self.streamRequest(key: streamKey),
                                           timeout: pace.streamLimit, group: group, channels: channels)
                }
            }
            tasks.addTask {
                await Self.repeatUntilCancelled {
                    await DemoExchange.run(host: fastrouter.host, port: fastrouter.port,
                                           request: DemoTraffic.uwsgiRequest(key: streamKey, path: "/stream"),
                                           timeout: pace.streamLimit, group: group, channels: channels)
                }
            }
            tasks.addTask {
                await Self.repeatUntilCancelled {
                    await DemoConversation.webSocketEcho(key: socketKey, pace: pace)
                        .run(host: http.host, port: http.port, group: group, channels: channels)
                }
            }
            tasks.addTask {
                await Self.repeatUntilCancelled {
                    await DemoConversation.rawTicks(pace: pace)
                        .run(host: rawrouter.host, port: rawrouter.port, group: group, channels: channels)
                }
            }
        }
    }

    /// `GET /stream` for `key`, which a demo node answers a line at a time.
    static func streamRequest(key: String) -> ByteBuffer {
        ByteBuffer(string: "GET /stream HTTP/1.1\r\nHost: \(key)\r\nUser-Agent: fleettop-demo\r\nConnection: close\r\n\r\n")
    }

    /// Runs `session` again and again, half a second apart, until the task is cancelled.
    private static func repeatUntilCancelled(_ session: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            await session()
            try? await Task.sleep(for: .milliseconds(500))
        }
    }
}

/// One long-lived client session: an opening write, then (once the peer's reply head has come,
/// when one is awaited) a message every `interval`, then a closing write. Ends when the peer
/// closes, at `limit`, or when the task is cancelled.
struct DemoConversation: Sendable {
    var opening: ByteBuffer?
    /// Wait for an HTTP `101` head before the messages start.
    var awaitsUpgrade: Bool
    var interval: TimeAmount
    var count: Int
    var message: @Sendable (Int) -> ByteBuffer
    var closing: ByteBuffer?

    /// An upgrade to a WebSocket for `key`, a masked text frame every interval (echoed by the
    /// node), then a close frame.
    static func webSocketEcho(key: String, pace: DemoSessions.Pace) -> DemoConversation {
        // Fixed per session: the demo needs no secrecy, and a fixed key keeps runs repeatable.
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        return DemoConversation(
            opening: DemoWebSocket.upgradeRequest(host: key, path: "/echo", key: "ZmxlZXR0b3AtZGVtby1rZXk="),
            awaitsUpgrade: true, interval: pace.interval, count: pace.messages,
            message: { DemoWebSocket.frame(.text, payload: Array("ping \($0) from the fleettop demo".utf8), mask: mask) },
            closing: DemoWebSocket.frame(.close, payload: [0x03, 0xE8], mask: mask))
    }

    /// A line fragment every interval through the raw router to an echo node, then the newline
    /// after which the node closes.
    static func rawTicks(pace: DemoSessions.Pace) -> DemoConversation {
        DemoConversation(
            opening: nil, awaitsUpgrade: false, interval: pace.interval, count: pace.messages,
            message: { ByteBuffer(string: "tick \($0) ") }, closing: ByteBuffer(string: "\n"))
    }

    /// The whole session's time limit: every message, plus room to connect and close.
    var limit: TimeAmount { interval * Int64(count + 10) }

    /// Connects to `host:port` and runs the session to its end; returns the bytes received. The
    /// connection joins `channels` (when given), so the demo's stop closes it.
    @discardableResult
    func run(host: String, port: Int, group: any EventLoopGroup, channels: DemoChannels? = nil) async -> Int {
        let conversation = self
        return await DemoExchange.connect(
            host: host, port: port, connectTimeout: .seconds(2), limit: limit, group: group, channels: channels,
            nothing: 0) { done in ConversationHandler(conversation, done: done) }
    }
}

/// Carries out a `DemoConversation` on its channel.
private final class ConversationHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let conversation: DemoConversation
    private let done: EventLoopPromise<Int>
    private var head = ByteBuffer()
    private var upgraded: Bool
    private var sent = 0
    private var received = 0
    private var next: Scheduled<Void>?

    init(_ conversation: DemoConversation, done: EventLoopPromise<Int>) {
        self.conversation = conversation
        self.done = done
        self.upgraded = !conversation.awaitsUpgrade
    }

    func channelActive(context: ChannelHandlerContext) {
        if let opening = conversation.opening { context.writeAndFlush(wrapOutboundOut(opening), promise: nil) }
        if upgraded { scheduleMessage(on: context.channel) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        received += chunk.readableBytes
        guard !upgraded else { return }
        head.writeBuffer(&chunk)
        let text = String(decoding: head.readableBytesView, as: UTF8.self)
        guard text.contains("\r\n\r\n") else {
            // A head this long is not the short 101 the demo node sends.
            if head.readableBytes > 4096 { context.close(promise: nil) }
            return
        }
        guard text.hasPrefix("HTTP/1.1 101") else {
            context.close(promise: nil)
            return
        }
        upgraded = true
        head = ByteBuffer()
        scheduleMessage(on: context.channel)
    }

    /// Sends the next message after the interval; after the last, the closing, and the peer ends it.
    private func scheduleMessage(on channel: any Channel) {
        next = channel.eventLoop.assumeIsolated().scheduleTask(in: conversation.interval) { [self] in
            sent += 1
            channel.writeAndFlush(conversation.message(sent), promise: nil)
            if sent < conversation.count {
                scheduleMessage(on: channel)
            } else if let closing = conversation.closing {
                channel.writeAndFlush(closing, promise: nil)
            } else {
                channel.close(promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        next?.cancel()
        next = nil
        done.succeed(received)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
