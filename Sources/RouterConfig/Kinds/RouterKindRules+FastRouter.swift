extension RouterKindRules {
    /// `--fastrouter`.
    static let fastrouter = RouterKindRules(
        title: "Fast router (--plugin fastrouter)",
        listenerOptions: "--fastrouter"
    ) { spec, notices in
        warnWithoutNodes(spec, &notices)
        if let forced = spec.fastrouter.forceKey {
            notices.append("note: --fastrouter-force-key \(forced) is a uWSGI master-only option; 2.0.21 routers do not know it")
        }
    }
}
