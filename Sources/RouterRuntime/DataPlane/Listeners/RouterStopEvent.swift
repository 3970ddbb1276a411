import NIOCore

/// Sent through every open connection's pipeline when its router stops: finish the current
/// request or relay, accept no new one.
public struct RouterStopEvent: Sendable {
    /// Creates the event.
    public init() {}
}

/// Sends whatever is queued to `context`'s channel, then closes it (or only its output).
func flushAndClose(_ context: ChannelHandlerContext, mode: CloseMode = .all) {
    let promise = context.eventLoop.makePromise(of: Void.self)
    // An empty write completes only after every write queued before it.
    context.writeAndFlush(NIOAny(ByteBuffer()), promise: promise)
    let channel = context.channel
    promise.futureResult.whenComplete { _ in channel.close(mode: mode, promise: nil) }
}
