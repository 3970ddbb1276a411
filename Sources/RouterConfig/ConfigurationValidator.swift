import RouterCore

/// Checks a parsed configuration as a whole: errors for what cannot run, notices for what
/// runs differently from what the options suggest.
enum ConfigurationValidator {
    /// Throws for a configuration that cannot serve; appends warnings to `notices`.
    static func validate(_ configuration: RouterConfiguration, notices: inout [String]) throws(ConfigurationError) {
        for spec in configuration.routers {
            try validate(spec, in: configuration, notices: &notices)
        }
        if !configuration.cacheUDPServers.isEmpty && configuration.caches.isEmpty {
            throw ConfigurationError(option: "--cache-udp-server", source: nil,
                                     problem: .invalidConfiguration(reason: "--cache-udp-server needs a cache: add --cache2 name=NAME,items=N (or --cache N)"))
        }
        if configuration.adminTokenFile != nil && configuration.admin == nil {
            notices.append("warning: --admin-token-file is set but there is no --admin listener")
        }
        if let admin = configuration.admin, admin.isInet, configuration.adminTokenFile == nil {
            notices.append("warning: --admin \(admin) is a TCP listener without --admin-token-file: every edit will be refused")
        }
        if configuration.enableProxyProtocol && !configuration.routers.contains(where: { $0.kind.rules.readsProxyProtocol }) {
            notices.append("warning: --enable-proxy-protocol has no effect without an HTTP router")
        }
    }

    private static func validate(_ spec: RouterSpec, in configuration: RouterConfiguration,
                                 notices: inout [String]) throws(ConfigurationError) {
        let rules = spec.kind.rules
        if rules.isCorerouter {
            try validateCorerouter(spec, rules: rules, in: configuration, notices: &notices)
        }
        try rules.validate(spec, &notices)
    }

    /// The checks every corerouter shares: a listener, cheap mode, mappers, fallbacks.
    private static func validateCorerouter(_ spec: RouterSpec, rules: RouterKindRules, in configuration: RouterConfiguration,
                                           notices: inout [String]) throws(ConfigurationError) {
        let prefix = "--\(spec.kind.prefix)"
        if spec.listeners.isEmpty && spec.zerg.isEmpty {
            throw ConfigurationError(option: prefix, source: nil,
                                     problem: .invalidConfiguration(reason: "\(prefix)-* options are set but the router has no listener: add \(rules.listenerOptions) ADDR"))
        }
        if spec.cheap && spec.subscriptionServers.isEmpty {
            notices.append("warning: \(prefix)-cheap without \(prefix)-subscription-server: uWSGI would never accept a client; fleetrouter leaves cheap mode only when an operator forces it")
        }
        let mappers = spec.configuredMappers
        if let active = mappers.first, mappers.count > 1 {
            let hidden = mappers.dropFirst().map { "\(prefix)-\($0.optionSuffix ?? "")" }.joined(separator: ", ")
            notices.append("warning: \(prefix)-\(active.optionSuffix ?? "") is the active mapper; \(hidden) ignored (uWSGI uses one mapper per router)")
        }
        if let name = spec.useCache, configuration.cache(named: name) == nil {
            let known = configuration.caches.map(\.name).joined(separator: ", ")
            throw ConfigurationError(option: "\(prefix)-use-cache", source: nil, problem: .invalidConfiguration(reason: name.isEmpty || configuration.caches.isEmpty
                ? "\(prefix)-use-cache needs a cache (uWSGI refuses to start without one): add --cache2 name=NAME,items=N"
                : "\(prefix)-use-cache \(name): no such cache; configured: \(known)"))
        }
        let codeSources = [spec.useCodeString.map { _ in "use-code-string" }, spec.useCodeSocket.map { _ in "use-code-socket" },
                           spec.useCodeResolver.map { _ in "use-code-resolver" }].compactMap { $0 }
        if codeSources.count > 1 {
            throw ConfigurationError(option: "\(prefix)-\(codeSources[1])", source: nil, problem: .invalidConfiguration(
                reason: "a router has one code forwarder: \(codeSources.map { "\(prefix)-\($0)" }.joined(separator: " and ")) are both set; keep one"))
        }
        if spec.fastrouter.fallbackOnNoKey && spec.fallback.isEmpty {
            notices.append("warning: --fastrouter-fallback-on-no-key without --fastrouter-fallback has no effect")
        }
        if spec.subscriptionFallbackKey != nil && configuration.subscriptionDotsplit {
            notices.append("warning: \(prefix)-subscription-fallback-key is not consulted with --subscription-dotsplit")
        }
        if spec.subscriptionFallbackKey != nil && spec.subscriptionServers.isEmpty {
            notices.append("warning: \(prefix)-subscription-fallback-key has no effect without \(prefix)-subscription-server")
        }
    }
}
