import RouterWire

/// The one table of every option fleetrouter knows, and lookups over it.
enum OptionTable {
    /// Every entry: instance-wide, per router, ignored and refused.
    static let entries: [OptionEntry] =
        fleettopEntries + fileEntries + instanceEntries + corerouterEntries + httpEntries
        + otherRouterEntries + ignoredEntries + unsupportedEntries

    /// Entries by every name they answer to.
    static let byName: [String: OptionEntry] = {
        var map: [String: OptionEntry] = [:]
        for entry in entries {
            for name in entry.names where map[name] == nil { map[name] = entry }
        }
        return map
    }()

    /// uWSGI's single-letter spellings that appear in router command lines.
    static let shortNames: [Character: String] = [
        "M": "master", "T": "enable-threads", "p": "processes", "d": "daemonize", "s": "socket",
    ]

    /// Every known name, sorted, for suggestions and tests.
    static var allNames: [String] { byName.keys.sorted() }

    /// The known name nearest to `name`, when it is close enough to be a likely typo.
    static func suggestion(for name: String) -> String? {
        var best: (name: String, distance: Int)?
        for candidate in allNames {
            let distance = EditDistance.between(name, candidate)
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best else { return nil }
        let allowed = max(2, name.count / 4)
        return best.distance <= allowed ? best.name : nil
    }

    /// `--sni` and `--sni-regexp`: `FIRST CRT,KEY[,CIPHERS[,CA]]`, kept verbatim in `list`
    /// (the files are read when the router starts).
    static func sniContext(
        _ name: String, first: String, _ help: String, into list: WritableKeyPath<RouterConfiguration, [String]> & Sendable
    ) -> OptionEntry {
        let form = "\(first) CRT,KEY[,CIPHERS[,CA]]"
        return OptionEntry([name], .value("'\(form)'"), repeatable: true, help, .apply { context, value throws(ValueError) in
            let text = try ValueParse.nonEmpty(try OptionEntry.required(value), form)
            guard let space = text.firstIndex(of: " "), text[space...].contains(",") else {
                throw ValueError(expected: form)
            }
            context.configuration[keyPath: list].append(text)
        })
    }

    static let fleettopEntries: [OptionEntry] = [
        OptionEntry(["data-plane"], .value("auto|uring|epoll|nio"), group: .fleettop,
                    "transport of the http, fast and raw routers: lean io_uring or epoll loops, or SwiftNIO [auto: uring, epoll or NIO where refused]",
                    .apply { context, value throws(ValueError) in
                        let text = try OptionEntry.required(value)
                        guard let choice = DataPlaneChoice(rawValue: text) else { throw ValueError(expected: "auto, uring, epoll or nio") }
                        context.configuration.dataPlane = choice
                    }),
        OptionEntry(["fleet-registry"], .value("etcd://HOST:PORT[,HOST:PORT…]/PREFIX"), group: .fleettop,
                    "register in an etcd fleet registry under PREFIX/routers/NAME with a lease kept alive (etcd+unix://PATH/PREFIX for unix sockets)",
                    .apply { context, value throws(ValueError) in
                        let text = try ValueParse.nonEmpty(try OptionEntry.required(value), "an etcd:// registry address")
                        guard text.hasPrefix("etcd://") || text.hasPrefix("etcd+unix://") else {
                            throw ValueError(expected: "etcd://HOST:PORT[,HOST:PORT…]/PREFIX or etcd+unix://PATH/PREFIX")
                        }
                        context.configuration.fleetRegistry = text
                    }),
        OptionEntry(["fleet-registry-name"], .value("NAME"), group: .fleettop,
                    "this router's name in the registry: letters, digits and -._:@[] [host-statsaddress]",
                    .apply { context, value throws(ValueError) in
                        context.configuration.fleetRegistryName = try ValueParse.nonEmpty(try OptionEntry.required(value), "a router name")
                    }),
        OptionEntry(["fleet-registry-ttl"], .value("SECONDS"), group: .fleettop,
                    "lease TTL of the registration: a router that stops refreshing disappears after it [10]",
                    .apply { context, value throws(ValueError) in
                        context.configuration.fleetRegistryTTL = try ValueParse.int(try OptionEntry.required(value), in: 2...3600, unit: "seconds")
                    }),
        OptionEntry(["fleet-registry-user"], .value("USER"), group: .fleettop,
                    "etcd user to authenticate as, for a cluster with authentication on (with --fleet-registry-password-file)",
                    .apply { context, value throws(ValueError) in
                        context.configuration.fleetRegistryUser = try ValueParse.nonEmpty(try OptionEntry.required(value), "an etcd user name")
                    }),
        OptionEntry(["fleet-registry-password-file"], .value("FILE"), group: .fleettop,
                    "file whose first line is the --fleet-registry-user's password",
                    .apply { context, value throws(ValueError) in
                        context.configuration.fleetRegistryPasswordFile = try ValueParse.nonEmpty(try OptionEntry.required(value), "a password file path")
                    }),
        OptionEntry(["admin"], .value("ADDR"), group: .fleettop,
                    "admin API listener: host:port, :port, a UNIX path or @abstract",
                    .apply { context, value throws(ValueError) in
                        context.configuration.admin = try ListenAddress(parsing: try OptionEntry.required(value), for: .listen)
                    }),
        OptionEntry(["admin-token-file"], .value("FILE"), group: .fleettop,
                    "file holding the bearer token every admin edit must carry",
                    .apply { context, value throws(ValueError) in
                        context.configuration.adminTokenFile = try ValueParse.nonEmpty(try OptionEntry.required(value), "a file path")
                    }),
        OptionEntry(["admin-public-reads"], .flag, group: .fleettop,
                    "let GET /v1/state over TCP through without the token (it carries client addresses)",
                    .apply { context, value throws(ValueError) in
                        context.configuration.adminPublicReads = try OptionEntry.flag(value)
                    }),
        OptionEntry(["subscription-allow"], .value("CIDR"), repeatable: true, group: .fleettop,
                    "accept UDP subscription datagrams only from these networks (others are counted and dropped)",
                    .apply { context, value throws(ValueError) in
                        let text = try ValueParse.nonEmpty(try OptionEntry.required(value), "a network in CIDR form")
                        do { context.configuration.subscriptionAllow.append(try AddressRange(parsing: text)) } catch {
                            throw ValueError(expected: "a network in CIDR form, e.g. 10.0.0.0/8 or ::1")
                        }
                    }),
        OptionEntry(["subscription-allow-node"], .value("CIDR|PATH-PREFIX"), repeatable: true, group: .fleettop,
                    "node addresses a subscription may name: a network, a unix path prefix or an @abstract prefix",
                    .apply { context, value throws(ValueError) in
                        let text = try ValueParse.nonEmpty(try OptionEntry.required(value), "a network or a path prefix")
                        do { context.configuration.subscriptionAllowNode.append(try NodeAddressRule(parsing: text)) } catch {
                            throw ValueError(expected: "a network in CIDR form (10.0.0.0/8), a unix path prefix (/run/uwsgi/) or an abstract prefix (@app-)")
                        }
                    }),
        OptionEntry(["subscription-max-keys"], .value("N"), group: .fleettop,
                    "most subscription keys a router holds; new keys beyond are dropped [65536]",
                    .apply { context, value throws(ValueError) in
                        context.configuration.subscriptionMaxKeys = try ValueParse.int(try OptionEntry.required(value), in: 1...10_000_000, unit: "keys")
                    }),
        OptionEntry(["subscription-max-nodes-per-key"], .value("N"), group: .fleettop,
                    "most nodes one key holds; new nodes beyond are dropped [16384]",
                    .apply { context, value throws(ValueError) in
                        context.configuration.subscriptionMaxNodesPerKey = try ValueParse.int(try OptionEntry.required(value), in: 1...1_000_000, unit: "nodes")
                    }),
        OptionEntry(["subscription-socket-mode"], .value("MODE"), group: .fleettop,
                    "octal mode of unix subscription sockets, whatever the umask [660]",
                    .apply { context, value throws(ValueError) in
                        let text = try OptionEntry.required(value).trimmingSpaces()
                        guard (1...4).contains(text.count), let mode = UInt32(text, radix: 8), mode <= 0o777 else {
                            throw ValueError(expected: "an octal permission mode from 000 to 777, e.g. 660")
                        }
                        context.configuration.subscriptionSocketMode = mode
                    }),
        OptionEntry(["state-file"], .value("FILE"), group: .fleettop,
                    "operator state (drains, weights, cheap) persisted here and restored at start",
                    .apply { context, value throws(ValueError) in
                        context.configuration.stateFile = try ValueParse.nonEmpty(try OptionEntry.required(value), "a file path")
                    }),
        OptionEntry(["state-file-discard-corrupt"], .flag, group: .fleettop,
                    "a state file that cannot be read is renamed aside (FILE.corrupt-TIME) and the router starts empty",
                    .apply { context, value throws(ValueError) in
                        context.configuration.stateFileDiscardCorrupt = try OptionEntry.flag(value)
                    }),
        OptionEntry(["admin-max-connections"], .value("N"), group: .fleettop,
                    "admin API connections open at once; more are closed at accept and counted [\(ConnectionDefaults.admin)]",
                    .apply { context, value throws(ValueError) in
                        context.configuration.adminMaxConnections = try ValueParse.int(try OptionEntry.required(value), in: 1...100_000)
                    }),
        OptionEntry(["admin-request-timeout"], .value("SECONDS"), group: .fleettop,
                    "an admin request (head, body and answer) must complete within this [10]",
                    .apply { context, value throws(ValueError) in
                        context.configuration.adminRequestTimeout = try ValueParse.int(try OptionEntry.required(value), in: 1...86400, unit: "seconds")
                    }),
        OptionEntry(["admin-idle-timeout"], .value("SECONDS"), group: .fleettop,
                    "an admin connection with no request in progress is closed after this [60]",
                    .apply { context, value throws(ValueError) in
                        context.configuration.adminIdleTimeout = try ValueParse.int(try OptionEntry.required(value), in: 1...86400, unit: "seconds")
                    }),
        OptionEntry(["stats-max-connections"], .value("N"), group: .fleettop,
                    "connections open at once on each router stats server; more are closed at accept and counted [\(ConnectionDefaults.stats)]",
                    .apply { context, value throws(ValueError) in
                        context.configuration.statsMaxConnections = try ValueParse.int(try OptionEntry.required(value), in: 1...100_000)
                    }),
    ]

    static let fileEntries: [OptionEntry] = [
        OptionEntry(["ini"], .value("FILE"), repeatable: true,
                    "read options from the [uwsgi] section of an ini file, in place", .include(.ini)),
        OptionEntry(["yaml", "yml"], .value("FILE"), repeatable: true,
                    "read options from the uwsgi: mapping of a YAML file, in place", .include(.yaml)),
    ]

    static let instanceEntries: [OptionEntry] = [
        OptionEntry(["cache2"], .value("name=NAME,items=N[,udp=ADDR]"), repeatable: true,
                    "a key → nodes cache for -use-cache (in memory, items capped; udp= takes uWSGI cache datagrams)",
                    .apply { context, value throws(ValueError) in
                        let cache = try CacheSpec(parsing: try OptionEntry.required(value))
                        guard context.configuration.caches.allSatisfy({ $0.name != cache.name }) else {
                            throw ValueError(expected: "a cache name not used before (\"\(cache.name)\" is)")
                        }
                        context.configuration.caches.append(cache)
                    }),
        OptionEntry(["cache"], .value("ITEMS"),
                    "uWSGI's default cache (named default) with this many items, for -use-cache",
                    .apply { context, value throws(ValueError) in
                        let items = try ValueParse.int(try OptionEntry.required(value), in: 1...CacheSpec.maximumItems, unit: "items")
                        guard context.configuration.caches.allSatisfy({ $0.name != "default" }) else {
                            throw ValueError(expected: "one default cache (--cache is given twice)")
                        }
                        context.configuration.caches.insert(CacheSpec(name: "default", items: items), at: 0)
                    }),
        OptionEntry(["cache-udp-server"], .value("ADDR"), repeatable: true,
                    "take uWSGI cache datagrams (--cache-udp-node of real uWSGI) here, for the first cache",
                    .apply { context, value throws(ValueError) in
                        context.configuration.cacheUDPServers.append(try ListenAddress(parsing: try OptionEntry.required(value), for: .bindDatagram))
                    }),
        OptionEntry(["subscription-tolerance"], .value("SECONDS"),
                    "a node with no announce for this long is dead [17]",
                    .apply { context, value throws(ValueError) in
                        context.configuration.subscriptionTolerance = try ValueParse.int(try OptionEntry.required(value), in: 1...86400, unit: "seconds")
                    }),
        OptionEntry(["subscription-algo"], .value("ALGO"),
                    "node choice inside a key: wrr, lrc, wlrc or iphash [wrr]",
                    .apply { context, value throws(ValueError) in
                        let text = try OptionEntry.required(value).trimmingSpaces().lowercased()
                        guard let algorithm = SubscriptionAlgorithm(rawValue: text) else {
                            throw ValueError(expected: "one of wrr, lrc, wlrc, iphash")
                        }
                        context.configuration.subscriptionAlgorithm = algorithm
                    }),
        OptionEntry(["subscription-mountpoints", "subscription-mountpoint"], .value("N"),
                    "key = host + the first N path segments (http: the URI, fastrouter: PATH_INFO); a key without a slot retries with the host alone",
                    .apply { context, value throws(ValueError) in
                        context.configuration.subscriptionMountpoints = try ValueParse.int(try OptionEntry.required(value), in: 0...64)
                    }),
        OptionEntry(["subscription-dotsplit"], .flag,
                    "on a miss, retry the key without its leftmost labels (a.b.c → .b.c → .c), at most 5 tries; the fallback key is not consulted",
                    .apply { context, value throws(ValueError) in
                        context.configuration.subscriptionDotsplit = try OptionEntry.flag(value)
                    }),
        OptionEntry(["subscriptions-sign-check"], .value("DIGEST:DIR"),
                    "verify RSA-signed subscriptions against DIR/<key>.pem",
                    .apply { context, value throws(ValueError) in
                        let text = try OptionEntry.required(value)
                        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex,
                              text.index(after: colon) != text.endIndex else {
                            throw ValueError(expected: "DIGEST:DIRECTORY, e.g. SHA1:/etc/uwsgi/keys")
                        }
                        context.configuration.signCheck = SignCheck(digest: String(text[..<colon]),
                                                                    directory: String(text[text.index(after: colon)...]))
                    }),
        OptionEntry(["subscriptions-sign-check-tolerance"], .value("SECONDS"),
                    "maximum age of a signed announce's timestamp [86400]",
                    .apply { context, value throws(ValueError) in
                        context.configuration.signCheckTolerance = try ValueParse.int(try OptionEntry.required(value), in: 0...Int.max, unit: "seconds")
                    }),
        OptionEntry(["subscriptions-sign-skip-uid"], .value("UID"), repeatable: true,
                    "senders with this uid need no signature",
                    .apply { context, value throws(ValueError) in
                        context.configuration.signSkipUIDs.append(try ValueParse.int(try OptionEntry.required(value), in: 0...Int(UInt32.max), unit: "uid"))
                    }),
        OptionEntry(["subscriptions-credentials-check"], .value("DIR"), repeatable: true,
                    "accept a key only if DIR+key exists and is owned by the sender",
                    .apply { context, value throws(ValueError) in
                        context.configuration.credentialsCheckDirectories.append(try ValueParse.nonEmpty(try OptionEntry.required(value), "a directory"))
                    }),
        OptionEntry(["subscriptions-use-credentials"], .flag,
                    "read SCM_CREDENTIALS on UNIX subscription sockets",
                    .apply { context, value throws(ValueError) in
                        context.configuration.useCredentials = try OptionEntry.flag(value)
                    }),
        OptionEntry(["stats-http"], .flag,
                    "router stats servers answer over HTTP",
                    .apply { context, value throws(ValueError) in
                        context.configuration.statsHTTP = try OptionEntry.flag(value)
                    }),
        OptionEntry(["socket-timeout"], .value("SECONDS"),
                    "stats write and stats-http read timeout [4]",
                    .apply { context, value throws(ValueError) in
                        context.configuration.socketTimeout = try ValueParse.int(try OptionEntry.required(value), in: 1...86400, unit: "seconds")
                    }),
        OptionEntry(["enable-proxy-protocol"], .flag,
                    "accept PROXY v1 on every HTTP listener, from --http-proxy-protocol-allow peers",
                    .apply { context, value throws(ValueError) in
                        context.configuration.enableProxyProtocol = try OptionEntry.flag(value)
                    }),
        OptionEntry(["no-defer-accept"], .flag,
                    "no TCP_DEFER_ACCEPT on http, fastrouter and sslrouter listeners",
                    .apply { context, value throws(ValueError) in
                        context.configuration.noDeferAccept = try OptionEntry.flag(value)
                    }),
        OptionEntry(["ssl-verbose"], .flag, "log TLS errors",
                    .apply { context, value throws(ValueError) in
                        context.configuration.sslVerbose = try OptionEntry.flag(value)
                    }),
        OptionEntry(["ssl-sessions-timeout"], .value("SECONDS"),
                    "TLS sessions (cache and tickets) resume for at most this long; the contexts are renewed this often [300, at most 604800]",
                    .apply { context, value throws(ValueError) in
                        context.configuration.sslSessionsTimeout = try ValueParse.int(try OptionEntry.required(value), in: 1...604_800, unit: "seconds")
                    }),
        sniContext("sni", first: "NAME", "a static SNI context", into: \.sni),
        sniContext("sni-regexp", first: "REGEXP",
                   "an SNI context for names matching a POSIX extended regexp (case-insensitive; back-references refused), tried after --sni names",
                   into: \.sniRegexp),
        OptionEntry(["sni-dir"], .value("DIR"), "load SNI contexts from DIR/<name>.crt/.key/.ca on demand",
                    .apply { context, value throws(ValueError) in
                        context.configuration.sniDirectory = try ValueParse.nonEmpty(try OptionEntry.required(value), "a directory")
                    }),
        OptionEntry(["sni-dir-ciphers"], .value("CIPHERS"), "ciphers for --sni-dir contexts",
                    .apply { context, value throws(ValueError) in
                        context.configuration.sniDirectoryCiphers = try OptionEntry.required(value)
                    }),
        OptionEntry(["ssl-tmp-dir"], .value("DIR"), "accept PEM text inline in subscriptions' sni_crt/sni_key/sni_ca",
                    .apply { context, value throws(ValueError) in
                        context.configuration.sslTemporaryDirectory = try ValueParse.nonEmpty(try OptionEntry.required(value), "a directory")
                    }),
        OptionEntry(["shared-socket", "undeferred-shared-socket"], .value("ADDR"), repeatable: true,
                    "a socket router listeners name as =N (N counts from 0 in this order); bound by that router before any privilege drop, like every listener",
                    .apply { context, value throws(ValueError) in
                        let address = try ListenAddress(parsing: try OptionEntry.required(value), for: .listen)
                        if case .sharedSocket(_) = address.endpoint { throw ValueError(expected: "an address (=N names a shared socket, it is not one)") }
                        context.configuration.sharedSockets.append(address)
                    }),
        OptionEntry(["uid"], .value("USER"), "drop to this user once every listener is bound",
                    .apply { context, value throws(ValueError) in
                        context.configuration.uid = try ValueParse.nonEmpty(try OptionEntry.required(value), "a user name or uid")
                    }),
        OptionEntry(["gid"], .value("GROUP"), "drop to this group once every listener is bound",
                    .apply { context, value throws(ValueError) in
                        context.configuration.gid = try ValueParse.nonEmpty(try OptionEntry.required(value), "a group name or gid")
                    }),
    ]
}
