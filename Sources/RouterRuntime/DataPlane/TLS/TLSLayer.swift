import Logging
import NIOCore
import NIOSSL

/// TLS termination in front of a listener's connection machine (`NIOClientLayer`): each client
/// gets a `TLSHelloHandler` (reads the ClientHello, picks the SNI context, answers plaintext)
/// and a `TLSSessionHandler` (handshake deadline, facts for the machine, activation), sharing
/// one `TLSAcceptStateMachine`.
struct TLSLayer: NIOClientLayer {
    /// What a completed handshake tells the machine behind.
    struct Handshake {
        /// The SNI name the client sent (checked), if any.
        var serverName: String?
        /// The client's certificate, if it sent one (verified against the client CA).
        var peerCertificate: NIOSSLCertificate?
    }

    /// The listener's contexts.
    let contexts: TLSContextStore
    /// Deadlines, activation and the plaintext answer.
    let machine: TLSAcceptStateMachine.Configuration
    /// Turns a completed handshake into the machine's inputs (the driver's: HTTPS vars, the SNI key).
    let facts: @Sendable (Handshake) -> ClientLayerFacts
    /// The listener's TLS counters.
    let counters: TLSCounters
    /// Where refusals are logged.
    let logger: Logger

    func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        let connection = TLSAcceptConnection(layer: self)
        try pipeline.addHandler(TLSHelloHandler(connection: connection))
        try pipeline.addHandler(TLSSessionHandler(connection: connection))
    }
}

/// The state one TLS client's two handlers share (both run on the channel's loop).
final class TLSAcceptConnection {
    let layer: TLSLayer
    var machine: TLSAcceptStateMachine
    /// The SNI name the ClientHello carried.
    var serverName: String?

    init(layer: TLSLayer) {
        self.layer = layer
        self.machine = TLSAcceptStateMachine(configuration: layer.machine)
    }

    /// Counts and logs a connection closed before its machine ran.
    func record(_ refusal: TLSAcceptStateMachine.Refusal, client: SocketAddress?) {
        layer.counters.record(refusal)
        guard refusal != .stopped else { return }
        layer.logger.info("TLS connection refused: \(refusal)", metadata: ["client": "\(client?.description ?? "-")"])
    }
}
