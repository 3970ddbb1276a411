extension RouterKindRules {
    /// `--sslrouter`: its listeners are TLS ones (`--sslrouter2`, `--sslrouter`).
    static let sslrouter = RouterKindRules(
        title: "SSL router (--plugin sslrouter)",
        listenerOptions: "--sslrouter2"
    ) { spec, notices in
        warnWithoutNodes(spec, &notices)
    }
}
