/// uWSGI options that appear in router command lines but mean nothing to fleetrouter
/// (accepted with a notice), and router-family options it refuses.
extension OptionTable {
    private static func ignore(_ names: [String], _ arity: OptionEntry.Arity, repeatable: Bool = false,
                               _ reason: String) -> OptionEntry {
        OptionEntry(names, arity, repeatable: repeatable, reason, .ignored(reason: reason))
    }

    private static func refuse(_ names: [String], _ arity: OptionEntry.Arity, _ reason: String) -> OptionEntry {
        OptionEntry(names, arity, reason, .unsupported(reason: reason))
    }

    static let ignoredEntries: [OptionEntry] = [
        ignore(["plugin", "plugins"], .value("NAMES"), repeatable: true, "uWSGI-only: fleetrouter has every router built in"),
        ignore(["master"], .flag, "uWSGI-only: fleetrouter has no master process"),
        ignore(["die-on-term"], .flag, "uWSGI-only: fleetrouter always exits on SIGTERM"),
        ignore(["strict"], .flag, "uWSGI-only: fleetrouter always refuses unknown options"),
        ignore(["vacuum"], .flag, "uWSGI-only: fleetrouter removes its own UNIX sockets"),
        ignore(["need-app"], .flag, "uWSGI-only: no application is loaded"),
        ignore(["lazy-apps", "lazy"], .flag, "uWSGI-only: no application is loaded"),
        ignore(["enable-threads"], .flag, "uWSGI-only: fleetrouter is threaded anyway"),
        ignore(["thunder-lock"], .flag, "uWSGI-only: no worker processes"),
        ignore(["single-interpreter"], .flag, "uWSGI-only: no interpreter"),
        ignore(["pidfile", "pidfile2"], .value("FILE"), "uWSGI-only: no pid file is written"),
        ignore(["stats", "stats-server"], .value("ADDR"),
               "uWSGI-only instance (master) stats; the router stats are --<router>-stats"),
        ignore(["memory-report"], .flag, "uWSGI-only: instance stats"),
        ignore(["disable-logging"], .flag, "uWSGI-only: request logging of app workers"),
        ignore(["logto", "logto2", "logger", "log-format", "logformat"], .value("VALUE"), repeatable: true,
               "uWSGI-only: fleetrouter logs to stderr through swift-log"),
        ignore(["log-date", "logdate"], .optionalValue("FORMAT"), "uWSGI-only: fleetrouter logs to stderr through swift-log"),
        ignore(["processes", "workers"], .value("N"), "uWSGI-only: application workers (router loops are --<router>-workers)"),
        ignore(["threads"], .value("N"), "uWSGI-only: application threads"),
        ignore(["harakiri"], .value("SECONDS"), "uWSGI-only: application worker harakiri (router: --<router>-harakiri)"),
        ignore(["auto-procname"], .flag, "uWSGI-only: process names"),
        ignore(["procname-prefix", "procname-prefix-spaced", "procname", "procname-master"], .value("NAME"), "uWSGI-only: process names"),
        ignore(["master-fifo"], .value("PATH"), repeatable: true, "uWSGI-only: the master FIFO (use the admin API)"),
        ignore(["force-gateway"], .flag, "uWSGI-only: fleetrouter needs no master to start routers"),
        ignore(["env"], .value("KEY=VALUE"), repeatable: true, "uWSGI-only: environment for applications"),
        ignore(["subscribe-freq"], .value("SECONDS"), "uWSGI-only: announce interval of subscribing nodes"),
        ignore(["start-unsubscribed"], .flag, "uWSGI-only: subscribing nodes"),
        ignore(["unsubscribe-on-graceful-reload"], .flag, "uWSGI-only: subscribing nodes"),
        ignore(["subscription-clear-on-shutdown"], .flag, "uWSGI-only: subscribing nodes"),
        ignore(["subscription-notify-socket", "notify-socket"], .value("PATH"), "uWSGI-only: subscribing nodes"),
        ignore(["weight"], .value("N"), "uWSGI-only: the instance's announced weight"),
        ignore(["subscription-tolerance-inactive"], .value("SECONDS"),
               "uWSGI-only (master): the tolerance of vassal-only nodes, and fleetrouter creates none (every subscription needs an address)"),
        ignore(["subscription-vassal-required"], .flag,
               "uWSGI-only (master): the Emperor's vassal subscriptions; fleetrouter has no Emperor and keeps every node by its address, vassal= or not"),
        ignore(["ssl-sessions-use-cache"], .optionalValue("NAME"),
               "TLS sessions already live in fleetrouter's in-process session cache (--ssl-sessions-timeout); there is no uWSGI cache to share them through"),
        ignore(["auto-weight"], .flag, "uWSGI-only: the instance's announced weight"),
    ]

    static let unsupportedEntries: [OptionEntry] = [
        refuse(["daemonize", "daemonize2"], .value("LOGFILE"), "run fleetrouter in the foreground under systemd or a container runtime"),
        refuse(["chdir", "chdir2"], .value("DIR"), "start fleetrouter in the wanted directory instead"),
        refuse(["socket", "uwsgi-socket", "http-socket"], .value("ADDR"),
               "fleetrouter runs no application sockets; a router listener is --http, --fastrouter… (or =N with --shared-socket, or fd://N)"),
        refuse(["subscribe2", "subscribe-to", "st", "subscribe"], .value("VALUE"),
               "announcing this instance to another router; use --http-resubscribe / --fastrouter-resubscribe"),
        refuse(["json", "js", "xml", "sqlite3", "ldap"], .value("FILE"), "configuration format not read; use --ini or --yaml"),
        refuse(["ssl-option"], .value("N"), "OpenSSL-specific numeric options"),
        refuse(["https-ocsp", "ssl-ocsp"], .value("FILE"),
               "OCSP stapling is not supported: swift-nio-ssl exposes no way to staple a response (BoringSSL's SSL_CTX_set_ocsp_response is not reachable through its API), and writing the status_request extension by hand would mean changing the TLS handshake outside the TLS library"),
    ]
}
