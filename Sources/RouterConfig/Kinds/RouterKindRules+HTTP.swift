extension RouterKindRules {
    /// `--http`: fleetrouter hosts no application, so an HTTP router needs nodes.
    static let http = RouterKindRules(
        title: "HTTP router (--plugin http; HTTPS listeners included)",
        listenerOptions: "--http (or --https2, --http-to-https)",
        readsProxyProtocol: true
    ) { spec, notices throws(ConfigurationError) in
        if spec.configuredMappers.isEmpty {
            throw ConfigurationError(option: "--http", source: nil,
                                     problem: .invalidConfiguration(reason: "the HTTP router has no nodes: add --http-to, --http-subscription-server or another mapper (fleetrouter hosts no application)"))
        }
        if spec.http.keepalive == .off, spec.http.autoChunked {
            notices.append("warning: --http-auto-chunked has no effect without --http-keepalive")
        }
    }
}
