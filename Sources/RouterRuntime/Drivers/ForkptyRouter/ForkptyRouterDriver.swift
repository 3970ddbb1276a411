import RouterConfig

/// `--forkptyrouter`, `--forkptyurouter`: parsed, refused by name until pseudo-terminals are served.
struct ForkptyRouterDriver: NotImplementedRouterKindDriver {
    var kind: RouterKind { .forkptyrouter }

    var reason: String {
        "the forkpty router (a pseudo-terminal per connection) is not served yet; run uWSGI's forkptyrouter plugin for it"
    }
}
