/// The policy-relevant options of one router (the runtime parses uWSGI options into this).
public struct RoutingConfiguration: Sendable {
    /// A subscription server is configured (`--xxx-subscription-server`).
    public var subscriptionServer: Bool = false
    /// `--subscription-tolerance` (default 17 s).
    public var tolerance: Duration = .seconds(17)
    /// `--subscription-max-keys` and `--subscription-max-nodes-per-key`.
    public var limits = SubscriptionLimits()
    /// `--subscription-algo` (default wrr).
    public var algorithm: BalancingAlgorithm = .wrr
    /// `--subscription-dotsplit`.
    public var dotsplit: Bool = false
    /// `--xxx-subscription-fallback-key`.
    public var fallbackKey: RouteKey?
    /// `--subscription-mountpoints N`: the runtime builds host + N path segments as the key;
    /// when that key has no slot the host alone is tried.
    public var mountpoints: Int?
    /// Static nodes (`--xxx-to`), in order.
    public var staticNodes: [String] = []
    /// `--xxx-gracetime` (default 30 s).
    public var gracetime: Duration = .seconds(30)
    /// `--xxx-use-base` prefix.
    public var useBase: String?
    /// `--xxx-use-pattern` pattern.
    public var usePattern: String?
    /// `--xxx-use-cache`.
    public var useCache: Bool = false
    /// The store `--xxx-use-cache` reads when the runtime shares one between routers (nil: the
    /// state's own `RouteCache`).
    public var cacheLookup: (any RouteResolver)?
    /// The code mapper (`--xxx-use-code-string` in uWSGI; a Swift resolver here), called under
    /// the router's lock: it must answer at once (a table lookup, never I/O).
    public var codeResolver: (any RouteResolver)?
    /// The code mapper runs outside RouterCore: the runtime resolves each key off the data plane
    /// and hands the answer in with the key (`RoutingSessionStateMachine.keyReceived(resolved:)`).
    public var codeMapper: Bool = false
    /// `--xxx-fallback` addresses, in order.
    public var fallbacks: [String] = []
    /// `--xxx-max-retries` (default 3: at most 4 attempts).
    public var maxRetries: Int = 3
    /// `--xxx-cheap`.
    public var cheap: Bool = false
    /// `--fastrouter-fallback-on-no-key`: no key or no node goes to the fallback list.
    public var fallbackOnNoKey: Bool = false

    /// Creates a configuration with uWSGI's defaults.
    public init() {}
}
