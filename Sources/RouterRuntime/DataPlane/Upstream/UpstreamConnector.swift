import NIOCore

/// Opens upstream (node) connections for one worker of a `DataPlaneTransport`: NIO channels
/// on the client's loop (`NIOUpstreamConnector`), raw sockets on a lean loop.
///
/// Everything happens on the client connection's worker: `connect` is called there and the
/// delegate's methods are called there, so neither side needs locks.
public protocol UpstreamConnector {
    /// Connects to `endpoint` on the connector's worker, writes `firstBytes` as soon as the
    /// connection is established (before telling the delegate), then reports events to
    /// `delegate`.
    ///
    /// Exactly one of `upstreamConnected` or `upstreamConnectFailed` is called; after
    /// `upstreamConnected`, `upstreamClosed` is called exactly once.
    func connect(
        to endpoint: NodeEndpoint,
        firstBytes: ByteBuffer,
        options: UpstreamOptions,
        delegate: any UpstreamDelegate
    )
}

/// Per-connection choices a router makes for its upstream connections.
public struct UpstreamOptions: Sendable {
    /// How long a connect may take before it counts as failed.
    public var connectTimeout: TimeAmount
    /// Deliver the node's EOF as `upstreamInputClosed` and keep the write side open (raw
    /// router half-close); otherwise EOF closes the connection.
    public var allowHalfClosure: Bool

    /// Creates options.
    public init(connectTimeout: TimeAmount, allowHalfClosure: Bool = false) {
        self.connectTimeout = connectTimeout
        self.allowHalfClosure = allowHalfClosure
    }
}

/// Receives one upstream connection's events, on the client connection's worker.
public protocol UpstreamDelegate: AnyObject {
    /// The connection is established and `firstBytes` were written.
    func upstreamConnected(_ link: any UpstreamLink)
    /// The connection could not be established.
    func upstreamConnectFailed(_ error: any Error)
    /// Bytes from the node.
    func upstreamRead(_ bytes: ByteBuffer)
    /// The end of one batch of reads: a good moment to flush the client.
    func upstreamReadComplete()
    /// The node shut down its write side (only with `allowHalfClosure`).
    func upstreamInputClosed()
    /// The upstream connection is gone (EOF without half-closure, error or local close).
    func upstreamClosed()
    /// The upstream connection's write buffer crossed a watermark.
    func upstreamWritabilityChanged(_ writable: Bool)
}

/// The data plane's handle on an established upstream connection.
public protocol UpstreamLink: AnyObject {
    /// Whether writes are below the high watermark.
    var isWritable: Bool { get }
    /// Queues bytes for the node.
    func write(_ bytes: ByteBuffer)
    /// Sends queued bytes.
    func flush()
    /// Stops (false) or resumes (true) reading from the node, for backpressure.
    func setReading(_ enabled: Bool)
    /// Shuts down the write side towards the node (half-close) after queued bytes.
    func shutdownOutput()
    /// Sends the queued bytes, then closes (the node already ended its output); closes at
    /// `limit` whatever is left, so a node that stops reading cannot hold the link open.
    /// `upstreamClosed` follows.
    func finish(within limit: TimeAmount)
    /// Closes the connection at once, dropping queued bytes; `upstreamClosed` follows.
    func close()
    /// Closes the connection without reporting anything more to the delegate, which has moved
    /// on (to a retry on another node).
    func abandon()
}
