import NIOCore

/// The fast and raw routers' data-plane settings, named after uWSGI's options.
public struct StreamRouterOptions: Sendable {
    /// `--xxx-timeout`: inactivity timeout of a session, also the connect timeout (60 s).
    public var timeout = TimeAmount.seconds(60)
    /// Fast router: how long a client has from accept to send its whole first uwsgi packet;
    /// reads do not extend it. nil = `timeout`.
    public var packetTimeout: TimeAmount? = nil
    /// The largest uwsgi var block a fastrouter client may send (the u16 maximum).
    public var maxVarBlock = 65535
    /// Raw router `--rawrouter-xclient`: send `XCLIENT ADDR=<client>` to SMTP nodes in place of
    /// their greeting.
    public var xclient = false
    /// `--subscription-mountpoints N` (fast router): `PATH_INFO`'s first N segments join the key.
    public var mountpoints = 0
    /// Fast router `--fastrouter-post-buffering N`: bodies are read whole before the node is
    /// connected, up to N bytes in memory and the rest spooled to a temp file; 0 is off.
    public var postBuffering = 0
    /// `--fastrouter-post-buffering-dir`: where spooled bodies go (nil: `$TMPDIR`, else `/tmp`).
    public var postBufferingDirectory: String?

    /// Options with uWSGI's defaults.
    public init() {}
}
