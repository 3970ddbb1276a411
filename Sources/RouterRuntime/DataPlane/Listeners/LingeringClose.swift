import NIOCore

/// The bounds of a lingering close, on every transport: after an answer that refused a
/// request the client may still be sending, the router shuts its output and reads and drops
/// the client's input until the client's end, `timeLimit` or `byteLimit`, then closes.
/// Closing a socket with unread input sends a reset instead of a FIN, and a reset can destroy
/// the answer in the client's receive queue before the client reads it (nginx's
/// `lingering_close`, for the same reason).
enum LingeringClose {
    /// How long the input is read and dropped at most.
    static let timeLimit = TimeAmount.seconds(2)
    /// How many bytes are dropped at most before the close.
    static let byteLimit = 1 << 20

    /// Sends what is queued to `context`'s channel, shuts its output (`flushAndClose`), and
    /// closes it `timeLimit` from now unless the client's end (or the caller's byte limit)
    /// closes it first. The one deadline covers the flush too, so a client that reads nothing
    /// is closed at it, as is a channel whose output would not shut alone.
    static func flushAndLinger(_ context: ChannelHandlerContext) {
        let channel = context.channel
        let deadline = channel.eventLoop.scheduleTask(in: timeLimit) { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in deadline.cancel() }
        flushAndClose(context, mode: .output)
    }
}
