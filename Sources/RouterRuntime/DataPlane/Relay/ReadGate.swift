import NIOCore

/// Client-side read backpressure shared by the routers' handlers: while the node side cannot
/// take more, NIO's read requests are held (one is remembered) and issued once it can.
struct ReadGate {
    /// Whether reads pass straight through.
    private(set) var isOpen = true
    private var pending = false

    /// Handles NIO's `read` request: passes it on, or remembers it while closed.
    mutating func read(_ context: ChannelHandlerContext) {
        if isOpen { context.read() } else { pending = true }
    }

    /// Holds reads from now on.
    mutating func close() {
        isOpen = false
    }

    /// Lets reads through again, issuing the one held meanwhile.
    mutating func open(_ context: ChannelHandlerContext?) {
        guard !isOpen else { return }
        isOpen = true
        if pending, let context {
            pending = false
            context.read()
        }
    }
}
