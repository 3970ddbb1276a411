extension RouterKindRules {
    /// `--rawrouter`.
    static let rawrouter = RouterKindRules(
        title: "Raw router (--plugin rawrouter)",
        listenerOptions: "--rawrouter"
    ) { spec, notices in
        warnWithoutNodes(spec, &notices)
    }
}
