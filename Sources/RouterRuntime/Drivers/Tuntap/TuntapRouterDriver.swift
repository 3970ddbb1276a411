import RouterConfig

/// `--tuntap-router`, `--tuntap-device`: parsed, refused by name until TUN devices are served.
struct TuntapRouterDriver: NotImplementedRouterKindDriver {
    var kind: RouterKind { .tuntap }

    var option: String { "--tuntap-router" }

    var reason: String {
        "the tuntap router (IPv4 between a TUN device and unix-socket peers) is not served yet; run uWSGI's tuntap plugin for it"
    }
}
