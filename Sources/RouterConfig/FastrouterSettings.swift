/// Options only the fast router has (`--fastrouter-*`).
public struct FastrouterSettings: Sendable, Equatable {
    /// `--fastrouter-force-key K` (uWSGI master only): every request uses this key.
    public var forceKey: String?
    /// `--fastrouter-fallback-on-no-key`: no node for the key goes to the fallback list.
    public var fallbackOnNoKey = false

    /// Creates the uWSGI defaults.
    public init() {}
}

/// Options only the raw router has (`--rawrouter-*`).
public struct RawrouterSettings: Sendable, Equatable {
    /// `--rawrouter-xclient`: send `XCLIENT ADDR=` to SMTP nodes.
    public var xclient = false

    /// Creates the uWSGI defaults.
    public init() {}
}

/// Options only the SSL router has (`--sslrouter-*`).
public struct SSLRouterSettings: Sendable, Equatable {
    /// `--sslrouter-sni`: the SNI name is the routing key.
    public var routeBySNI = false
    /// `--sslrouter-session-context`: applies to the TLS listeners declared after it.
    public var sessionContext: String?

    /// Creates the uWSGI defaults.
    public init() {}
}

/// Options only the forkpty router has (`--forkptyrouter-*`).
public struct ForkptySettings: Sendable, Equatable {
    /// `--forkptyrouter-command`; a value with a space runs through `/bin/sh -c`.
    public var command = "/bin/sh"
    /// `--forkptyrouter-rows`.
    public var rows = 24
    /// `--forkptyrouter-cols`.
    public var cols = 80

    /// Creates the uWSGI defaults.
    public init() {}
}
