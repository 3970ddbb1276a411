extension RouterKindRules {
    /// `--forkptyrouter`: no nodes behind it, so its option table refuses cheap mode and
    /// fallbacks outright and there is nothing left to check here.
    static let forkptyrouter = RouterKindRules(
        title: "Forkpty router (--plugin forkptyrouter)",
        listenerOptions: "--forkptyrouter"
    ) { _, _ in }
}
