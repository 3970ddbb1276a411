/// Options of the tuntap router (`--tuntap-*`), kept as parsed for a later runtime.
public struct TuntapSettings: Sendable, Equatable {
    /// One `--tuntap-router "DEV SOCKET [STATS [GATEWAY]]"` line.
    public struct Router: Sendable, Equatable {
        /// TUN device name.
        public var device: String
        /// UNIX stream socket the peers connect to.
        public var socket: ListenAddress
        /// Stats listener of this line.
        public var stats: ListenAddress?
        /// UDP gateway socket.
        public var gateway: ListenAddress?
    }

    /// `--tuntap-router` lines, in order.
    public var routers: [Router] = []
    /// `--tuntap-router-stats`: stats for lines without a third field.
    public var routerStats: ListenAddress?
    /// `--tuntap-use-credentials [symbol]`: nil when off, "" when on without a resolver.
    public var useCredentials: String?
    /// `--tuntap-router-route` rules, verbatim.
    public var routes: [String] = []
    /// `--tuntap-router-firewall-in` rules, verbatim.
    public var firewallIn: [String] = []
    /// `--tuntap-router-firewall-out` rules, verbatim.
    public var firewallOut: [String] = []
    /// `--tuntap-device` (client side), verbatim.
    public var devices: [String] = []
    /// `--tuntap-device-rule` (client side), verbatim.
    public var deviceRules: [String] = []

    /// Creates empty tuntap settings.
    public init() {}
}
