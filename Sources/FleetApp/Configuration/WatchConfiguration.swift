/// Everything `fleettop watch` needs, as parsed from its command line.
public struct WatchConfiguration: Sendable, Hashable {
    /// The routers to watch; empty (and not `demo`) means the demo fleet too.
    public var routers: RouterSelection
    /// `--interval`: seconds between polls; nil means the fleet file's, else 1.
    public var interval: Double?
    /// `--theme NAME|FILE`.
    public var theme: String?
    /// `--readonly`: edits are shown unavailable and nothing is sent.
    public var readOnly: Bool
    /// `--no-color`.
    public var noColor: Bool
    /// `--max-frames N`: exit after drawing N frames.
    public var maxFrames: Int?
    /// `--demo`: the embedded demo fleet.
    public var demo: Bool
    /// `--poll-only`: poll fleetrouters too, instead of watching their pushed stats.
    public var pollOnly = false

    /// Creates a configuration.
    public init(
        routers: RouterSelection = RouterSelection(), interval: Double? = nil, theme: String? = nil,
        readOnly: Bool = false, noColor: Bool = false, maxFrames: Int? = nil, demo: Bool = false
    ) {
        self.routers = routers
        self.interval = interval
        self.theme = theme
        self.readOnly = readOnly
        self.noColor = noColor
        self.maxFrames = maxFrames
        self.demo = demo
    }

    /// Whether the demo fleet runs: asked for, or no router named.
    public var usesDemoFleet: Bool { demo || routers.isEmpty }

    /// The default poll interval, in seconds.
    public static let defaultInterval: Double = 1
}
