import FleetModel
import NIOCore
import NIOHTTP1
import NIOPosix
import RouterWire

/// Watches one fleetrouter's stats over its admin API (`GET /v1/watch?delta=1`): one long-lived
/// HTTP connection whose body is a line per interval: a document, a delta from the document
/// before (a fleetrouter that predates deltas sends documents), or an empty line for "unchanged".
/// Nothing blocks the caller; a router silent for three intervals plus five seconds (or plus
/// the control's call timeout, when that is longer), a line
/// over the document limit, a bad document or a non-200 answer ends the stream with a
/// `WatchError` naming the address.
enum StatsWatchClient {
    /// The updates of `target`, until the stream fails or the consumer stops iterating (which
    /// closes the connection). A slow consumer sees only the newest update. `received` sees
    /// every new document as it is decoded. With `deliver`, updates go to it (on the event
    /// loop) instead of the stream, which then only ends.
    static func updates(
        target: WatchTarget, interval: Duration, limit: Int, connectTimeout: Duration, group: any EventLoopGroup,
        received: @escaping @Sendable (StatsDocument) -> Void = { _ in },
        deliver: (@Sendable (StatsWatchUpdate) -> Void)? = nil
    ) -> AsyncThrowingStream<StatsWatchUpdate, any Error> {
        AsyncThrowingStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let loop = group.next()
            let destination = StreamTarget(target.admin)
            let milliseconds = max(1, Int(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000))
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: destination.hostHeader)
            headers.add(name: "User-Agent", value: "fleettop")
            headers.add(name: "Accept", value: "application/x-ndjson")
            let uri = "/v1/watch?" + AdminScope.router(target.router).queryItem + "&interval=\(milliseconds)&delta=1"
            let head = NIOHTTP1.HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: headers)
            let silence = TimeAmount(interval * 3 + max(.seconds(5), connectTimeout))
            let address = "\(target.admin)"
            let bootstrap = ClientBootstrap(group: loop)
                .connectTimeout(TimeAmount(connectTimeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHTTPClientHandlers()
                        try sync.addHandler(WatchClientHandler(
                            request: head, address: address, framer: WatchLineFramer(limit: limit), silence: silence,
                            received: received, deliver: deliver, continuation: continuation))
                    }
                }
            let connect = destination.connect(bootstrap, on: loop)
            connect.whenFailure { error in
                continuation.finish(throwing: WatchError.failed(reason: "cannot connect to \(address): \(ExchangeFailure.classifyConnect(error))"))
            }
            continuation.onTermination = { _ in
                connect.whenSuccess { $0.close(promise: nil) }
            }
        }
    }
}

/// Sends the watch request, turns the answer's lines into `StatsWatchUpdate`s, and ends the stream
/// on anything unexpected.
private final class WatchClientHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let request: NIOHTTP1.HTTPRequestHead
    private let address: String
    private var framer: WatchLineFramer
    private let silence: TimeAmount
    private let received: @Sendable (StatsDocument) -> Void
    private let deliver: (@Sendable (StatsWatchUpdate) -> Void)?
    private let continuation: AsyncThrowingStream<StatsWatchUpdate, any Error>.Continuation
    private var last: StatsDocument?
    private var timer: Scheduled<Void>?
    // When the router last sent something: the silence timer is armed once and, when it fires
    // early, re-armed for what is left, rather than moved at every chunk (a timer per chunk
    // was a twentieth of fleettop's CPU over a thousand watches).
    private var lastHeard = NIODeadline.now()
    private var ended = false

    init(
        request: NIOHTTP1.HTTPRequestHead, address: String, framer: WatchLineFramer, silence: TimeAmount,
        received: @escaping @Sendable (StatsDocument) -> Void, deliver: (@Sendable (StatsWatchUpdate) -> Void)?,
        continuation: AsyncThrowingStream<StatsWatchUpdate, any Error>.Continuation
    ) {
        self.request = request
        self.address = address
        self.framer = framer
        self.silence = silence
        self.received = received
        self.deliver = deliver
        self.continuation = continuation
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(request)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        lastHeard = .now()
        armSilence(context: context, in: silence)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !ended else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard head.status == .ok else {
                let reason = "\(address) answers \(head.status.code) to GET /v1/watch"
                end(context: context, head.status == .notFound || head.status == .methodNotAllowed
                    ? .unsupported(reason: reason) : .failed(reason: reason))
                return
            }
        case .body(let chunk):
            lastHeard = .now()
            let lines: [ByteBuffer]
            do {
                lines = try framer.append(chunk)
            } catch {
                end(context: context, .failed(reason: "\(address) sent a watch line over \(error.limit) bytes"))
                return
            }
            for line in lines {
                if line.readableBytes == 0 {
                    if let last { emit(StatsWatchUpdate(document: last, changed: false)) }
                    continue
                }
                do {
                    let document: StatsDocument
                    if StatsDocument.isDelta(line) {
                        guard let last else {
                            end(context: context, .failed(reason: "\(address) sent a watch delta before any document"))
                            return
                        }
                        document = try last.applying(delta: line)
                    } else {
                        document = try StatsDocument.decode(lenient: line)
                    }
                    last = document
                    received(document)
                    emit(StatsWatchUpdate(document: document, changed: true))
                } catch {
                    end(context: context, .failed(reason: "\(address) sent a watch line that is neither a stats document nor a delta of the last one: \(error)"))
                    return
                }
            }
        case .end:
            end(context: context, .failed(reason: "\(address) ended the watch"))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if !ended {
            ended = true
            continuation.finish(throwing: WatchError.failed(reason: "\(address) closed the watch"))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        end(context: context, .failed(reason: "\(address): \(ExchangeFailure.describe(error))"))
    }

    private func emit(_ update: StatsWatchUpdate) {
        if let deliver {
            deliver(update)
        } else {
            continuation.yield(update)
        }
    }

    /// Checks for silence `delay` from now: past `silence` since the router was last heard,
    /// the watch ends; else the check moves to when that would be.
    private func armSilence(context: ChannelHandlerContext, in delay: TimeAmount) {
        timer?.cancel()
        let silence = self.silence
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            let quiet = NIODeadline.now() - lastHeard
            guard quiet >= silence else {
                armSilence(context: context, in: silence - quiet)
                return
            }
            end(context: context, .failed(reason: "\(address) sent nothing for \(silence.nanoseconds / 1_000_000_000) s"))
        }
    }

    private func end(context: ChannelHandlerContext, _ error: WatchError) {
        timer?.cancel()
        guard !ended else { return }
        ended = true
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}
