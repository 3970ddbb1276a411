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

/// What a client layer learnt about a connection that its connection machine takes as input,
/// sent through the pipeline as a user event before `channelActive`.
struct ClientLayerFacts: Sendable {
    /// The connection's routing key in place of the listener's default (TLS: the SNI name):
    /// the HTTP machine's key for requests without Host, the raw relay's key.
    var key: String?
    /// The HTTP router adds `HTTPS=on`.
    var isHTTPS = false
    /// Further per-connection uwsgi vars after `HTTPS` (`HTTPS_DN`, `HTTPS_CLIENT_CERTIFICATE`, …).
    var tlsVars: [(key: String, value: [UInt8])] = []
}
