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
