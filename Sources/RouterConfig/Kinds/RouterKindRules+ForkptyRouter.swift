extension RouterKindRules {
    /// `--forkptyrouter`: no nodes behind it, so cheap mode and fallbacks mean nothing.
    static let forkptyrouter = RouterKindRules(
        title: "Forkpty router (--plugin forkptyrouter)",
        listenerOptions: "--forkptyrouter"
    ) { spec, notices in
        if spec.cheap || !spec.fallback.isEmpty {
            notices.append("warning: --forkptyrouter-cheap and --forkptyrouter-fallback have no effect (no nodes behind a forkpty router)")
        }
    }
}
