import RouterWire

/// Options of the fast, raw, SSL, forkpty and tuntap routers.
extension OptionTable {
    static let otherRouterEntries: [OptionEntry] = fastrouter + rawrouter + sslrouter + forkpty + tuntap

    private static let fastrouter: [OptionEntry] = {
        var entries: [OptionEntry] = []
        entries += OptionEntry.router(["force-key"], [.fastrouter], .value("KEY"),
                                      "every request uses this key (uWSGI master only)") { spec, value throws(ValueError) in
            spec.fastrouter.forceKey = try ValueParse.nonEmpty(try OptionEntry.required(value), "a key")
        }
        entries += OptionEntry.router(["fallback-on-no-key"], [.fastrouter], .flag,
                                      "no node for the key goes to the fallback list") { spec, value throws(ValueError) in
            spec.fastrouter.fallbackOnNoKey = try OptionEntry.flag(value)
        }
        // uWSGI (master only) uses both for vassal-only nodes, which announce a vassal name and
        // no address; fleetrouter never creates such a node, so there is nothing to spawn.
        entries += OptionEntry.router(["emperor-socket"], [.fastrouter], .value("ADDR"),
                                      "Emperor spawn socket: no node here is ever vassal-only (every subscription needs an address), so there is nothing to spawn",
                                      .ignored(reason: "Emperor on-demand spawning: fleetrouter creates no vassal-only node to spawn"))
        entries += OptionEntry.router(["defer-connect-timeout"], [.fastrouter], .value("SECONDS"),
                                      "wait for an Emperor spawn: no node here is ever vassal-only, so no connection waits for one",
                                      .ignored(reason: "Emperor on-demand spawning: fleetrouter creates no vassal-only node to wait for"))
        return entries
    }()

    private static let rawrouter: [OptionEntry] = OptionEntry.router(
        ["xclient"], [.rawrouter], .flag, "send 'XCLIENT ADDR=<client>' to SMTP nodes") { spec, value throws(ValueError) in
        spec.rawrouter.xclient = try OptionEntry.flag(value)
    }

    private static let sslrouter: [OptionEntry] = {
        var entries: [OptionEntry] = [
            OptionEntry(["sslrouter2"], kind: .sslrouter, .value("addr=ADDR,cert=CRT,key=KEY[,ciphers=…][,clientca=[!]CA]"),
                        repeatable: true, "TLS listener",
                        .apply { context, value throws(ValueError) in
                            try addTLSListener(&context, .sslrouter, sessionContext: \.sslrouter.sessionContext, keyValues: try OptionEntry.required(value))
                        }),
            OptionEntry(["sslrouter"], kind: .sslrouter, .value("ADDR,CRT,KEY[,CIPHERS[,CA]]"), repeatable: true,
                        "TLS listener, legacy comma form",
                        .apply { context, value throws(ValueError) in
                            try addTLSListener(&context, .sslrouter, sessionContext: \.sslrouter.sessionContext, commaForm: try OptionEntry.required(value))
                        }),
        ]
        entries += OptionEntry.router(["sni"], [.sslrouter], .flag, "the SNI name is the routing key") { spec, value throws(ValueError) in
            spec.sslrouter.routeBySNI = try OptionEntry.flag(value)
        }
        entries += OptionEntry.router(["session-context"], [.sslrouter], .value("NAME"),
                                      "TLS session context for the listeners that follow it") { spec, value throws(ValueError) in
            spec.sslrouter.sessionContext = try ValueParse.nonEmpty(try OptionEntry.required(value), "a session context name")
        }
        return entries
    }()

    private static let forkpty: [OptionEntry] = [
        OptionEntry(["forkptyrouter", "forkpty-router"], kind: .forkptyrouter, .value("ADDR"), repeatable: true,
                    "listener; bytes flow raw between socket and pty",
                    .apply { context, value throws(ValueError) in
                        let address = try ListenAddress(parsing: try OptionEntry.required(value), for: .listen)
                        context.configuration.withRouter(.forkptyrouter) { $0.listeners.append(RouterListener(address: address)) }
                    }),
        OptionEntry(["forkptyurouter", "forkpty-urouter"], kind: .forkptyrouter, .value("ADDR"), repeatable: true,
                    "listener; client input framed in uwsgi headers (resize, signals)",
                    .apply { context, value throws(ValueError) in
                        let address = try ListenAddress(parsing: try OptionEntry.required(value), for: .listen)
                        context.configuration.withRouter(.forkptyrouter) {
                            $0.listeners.append(RouterListener(address: address, mode: .uwsgiFramed))
                        }
                    }),
        OptionEntry(["forkptyrouter-command", "forkptyrouter-cmd", "forkpty-router-command", "forkpty-router-cmd"],
                    kind: .forkptyrouter, .value("COMMAND"), "command per connection [/bin/sh]",
                    .apply { context, value throws(ValueError) in
                        let command = try ValueParse.nonEmpty(try OptionEntry.required(value), "a command")
                        context.configuration.withRouter(.forkptyrouter) { $0.forkpty.command = command }
                    }),
    ] + OptionEntry.router(["rows"], [.forkptyrouter], .value("N"), "window rows [24]") { spec, value throws(ValueError) in
        spec.forkpty.rows = try ValueParse.int(try OptionEntry.required(value), in: 1...65535)
    } + OptionEntry.router(["cols"], [.forkptyrouter], .value("N"), "window columns [80]") { spec, value throws(ValueError) in
        spec.forkpty.cols = try ValueParse.int(try OptionEntry.required(value), in: 1...65535)
    }

    private static func tuntap(_ name: String, _ arity: OptionEntry.Arity, repeatable: Bool = false, _ summary: String,
                               _ body: @escaping @Sendable (inout TuntapSettings, String?) throws(ValueError) -> Void) -> OptionEntry {
        OptionEntry([name], kind: .tuntap, arity, repeatable: repeatable, summary,
                    .apply { context, value throws(ValueError) in
                        try context.configuration.withRouter(.tuntap) { spec throws(ValueError) in try body(&spec.tuntap, value) }
                    })
    }

    private static func rule(_ value: String?) throws(ValueError) -> String {
        try ValueParse.nonEmpty(try OptionEntry.required(value), "a rule")
    }

    private static let tuntap: [OptionEntry] = [
        tuntap("tuntap-router", .value("'DEV SOCKET [STATS [GATEWAY]]'"), repeatable: true,
               "TUN device and the UNIX socket its peers connect to") { settings, value throws(ValueError) in
            let fields = try OptionEntry.required(value).split(separator: " ").map(String.init)
            guard (2...4).contains(fields.count) else { throw ValueError(expected: "DEVICE SOCKET [STATS [GATEWAY]] separated by spaces") }
            let socket = try ListenAddress(parsing: fields[1], for: .listen)
            if case .inet = socket.endpoint { throw ValueError(expected: "a UNIX socket path as the second field") }
            let stats = try fields.count > 2 ? ListenAddress(parsing: fields[2], for: .listen) : nil
            let gateway = try fields.count > 3 ? ListenAddress(parsing: fields[3], for: .bindDatagram) : nil
            settings.routers.append(.init(device: fields[0], socket: socket, stats: stats, gateway: gateway))
        },
        tuntap("tuntap-router-stats", .value("ADDR"), "stats for tuntap-router lines without a third field") { settings, value throws(ValueError) in
            settings.routerStats = try ListenAddress(parsing: try OptionEntry.required(value), for: .listen)
        },
        tuntap("tuntap-use-credentials", .optionalValue("SYMBOL"), "peers must send SCM_CREDENTIALS first") { settings, value in
            settings.useCredentials = value ?? ""
        },
        tuntap("tuntap-router-route", .value("'SRC DST IP:PORT'"), repeatable: true, "route peer traffic over the UDP gateway") { settings, value throws(ValueError) in
            settings.routes.append(try TuntapRoute(parsing: try rule(value)))
        },
        tuntap("tuntap-router-firewall-in", .value("'ACTION [SRC DST]'"), repeatable: true, "firewall towards peers") { settings, value throws(ValueError) in
            settings.firewallIn.append(try TuntapFirewallRule(parsing: try rule(value)))
        },
        tuntap("tuntap-router-firewall-out", .value("'ACTION [SRC DST]'"), repeatable: true, "firewall from peers") { settings, value throws(ValueError) in
            settings.firewallOut.append(try TuntapFirewallRule(parsing: try rule(value)))
        },
        tuntap("tuntap-device", .value("'DEV [SOCKET]'"), repeatable: true, "client side: a TUN device, optionally connected to a router") { settings, value throws(ValueError) in
            settings.devices.append(try TuntapDeviceLine(parsing: try rule(value)))
        },
        tuntap("tuntap-device-rule", .value("'IN|OUT SRC DST ACTION [IP:PORT]'"), repeatable: true, "client side: per-peer rule") { settings, value throws(ValueError) in
            settings.deviceRules.append(try TuntapRule(parsing: try rule(value)))
        },
    ]
}
