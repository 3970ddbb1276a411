/// fleetrouter command lines used by the tests (uWSGI's router options, port 0 everywhere).
enum FleetrouterArguments {
    /// The admin token file name inside a test's directory.
    static let tokenFile = "admin.token"
    /// The state file name inside a test's directory.
    static let stateFile = "state.json"

    /// An HTTP router with subscription server, stats server and admin API.
    static func httpRouter(
        in directory: TemporaryDirectory, subscriptionServer: String = "127.0.0.1:0", extra: [String] = []
    ) -> [String] {
        [
            "--http", "127.0.0.1:0",
            "--http-subscription-server", subscriptionServer,
            "--http-stats", "127.0.0.1:0",
            "--admin", "127.0.0.1:0",
            "--admin-token-file", directory.file(tokenFile),
            "--state-file", directory.file(stateFile),
            "--subscription-tolerance", "17",
            "--http-keepalive",
        ] + extra
    }

    /// A fast router (uwsgi in, uwsgi out) with subscription and stats servers.
    static func fastRouter() -> [String] {
        [
            "--fastrouter", "127.0.0.1:0",
            "--fastrouter-subscription-server", "127.0.0.1:0",
            "--fastrouter-stats", "127.0.0.1:0",
            "--subscription-tolerance", "17",
        ]
    }
}
