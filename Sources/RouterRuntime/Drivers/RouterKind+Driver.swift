import RouterConfig

extension RouterKind {
    /// The driver of this kind: the one switch over the router kind in the runtime. It has no
    /// `default:`, so a new kind does not compile until it has a driver.
    var driver: any RouterKindDriver {
        switch self {
        case .http: HTTPRouterDriver()
        case .fastrouter: FastRouterDriver()
        case .rawrouter: RawRouterDriver()
        case .sslrouter: SSLRouterDriver()
        case .forkptyrouter: ForkptyRouterDriver()
        case .tuntap: TuntapRouterDriver()
        }
    }

    /// The options of the kinds this runtime serves, for messages: `--http, --fastrouter or --rawrouter`.
    static var servedOptions: String {
        let options = allCases.filter { $0.driver.isImplemented }.map(\.driver.option)
        guard let last = options.last else { return "" }
        return options.count == 1 ? last : options.dropLast().joined(separator: ", ") + " or " + last
    }
}
