import RouterWire

/// Options of the tuntap router (`--tuntap-*`), parsed.
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
    /// `--tuntap-router-route` rules, in order.
    public var routes: [TuntapRoute] = []
    /// `--tuntap-router-firewall-in` rules (towards peers), in order; first match wins.
    public var firewallIn: [TuntapFirewallRule] = []
    /// `--tuntap-router-firewall-out` rules (from peers), in order; first match wins.
    public var firewallOut: [TuntapFirewallRule] = []
    /// `--tuntap-device` lines (client side).
    public var devices: [TuntapDeviceLine] = []
    /// `--tuntap-device-rule` rules (client side), sent to the router on connect.
    public var deviceRules: [TuntapRule] = []

    /// Creates empty tuntap settings.
    public init() {}
}
