/// The router families uWSGI ships as plugins, named by their option prefix.
///
/// What configuration knows about each kind is in its `RouterKindRules` (`kind.rules`); what the
/// runtime does with it is in the kind's driver. Neither side branches on the kind elsewhere.
public enum RouterKind: String, Sendable, Hashable, CaseIterable {
    /// `--http`: HTTP (and HTTPS) clients, uwsgi-protocol nodes.
    case http
    /// `--fastrouter`: uwsgi protocol in and out.
    case fastrouter
    /// `--rawrouter`: TCP passthrough.
    case rawrouter
    /// `--sslrouter`: TLS termination to raw TCP nodes.
    case sslrouter
    /// `--forkptyrouter`: a pseudo-terminal per connection.
    case forkptyrouter
    /// `--tuntap-router`: IPv4 between a TUN device and UNIX-socket peers.
    case tuntap

    /// The option prefix (`http` gives `--http-timeout`).
    public var prefix: String { rawValue }

    /// The heading used in help text and messages.
    public var title: String { rules.title }

    /// The corerouters share uWSGI's corerouter code and its common options; tuntap does not.
    var isCorerouter: Bool { rules.isCorerouter }
}
