import NIOCore

/// A stage between an accepted client's socket and its connection machine (TLS termination):
/// it adds its handlers in front of the machine's handler, holds `channelActive` until the
/// connection is ready for the machine, and fires a `ClientLayerFacts` just before it. Only
/// `NIOTransport` runs layers; another transport refuses a protocol that has one.
protocol NIOClientLayer: Sendable {
    /// Adds the layer's handlers to a newly accepted client's pipeline (the machine's handler
    /// is added after them).
    func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws
}

/// A connection a driver serves with a NIO handler of its own (the HTTPS redirect), one
/// handler per client; only `NIOTransport` runs it.
struct NIOConnectionHandlerFactory: Sendable {
    /// Makes the handler of one client.
    let make: @Sendable () -> any ChannelHandler
}
