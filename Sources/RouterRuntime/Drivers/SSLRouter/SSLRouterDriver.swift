import RouterConfig

/// `--sslrouter`, `--sslrouter2`: parsed, refused by name until the TLS transport exists.
struct SSLRouterDriver: NotImplementedRouterKindDriver {
    var kind: RouterKind { .sslrouter }

    var reason: String {
        "the SSL router (TLS termination to raw TCP nodes) arrives with the TLS transport; terminate TLS in front of a --rawrouter"
    }
}
