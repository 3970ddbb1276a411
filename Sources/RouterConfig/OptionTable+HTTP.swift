import RouterWire

/// Options only the HTTP router has, HTTPS listeners included.
extension OptionTable {
    private static func http(_ names: [String], _ arity: OptionEntry.Arity, repeatable: Bool = false, _ summary: String,
                             _ body: @escaping @Sendable (inout HTTPSettings, String?) throws(ValueError) -> Void) -> OptionEntry {
        OptionEntry(names, kind: .http, arity, repeatable: repeatable, summary,
                    .apply { context, value throws(ValueError) in
                        try context.configuration.withRouter(.http) { spec throws(ValueError) in
                            try body(&spec.http, value)
                        }
                    })
    }

    private static func httpFlag(_ name: String, _ summary: String,
                                 _ keyPath: WritableKeyPath<HTTPSettings, Bool> & Sendable) -> OptionEntry {
        http([name], .flag, summary) { settings, value throws(ValueError) in
            settings[keyPath: keyPath] = try OptionEntry.flag(value)
        }
    }

    private static func modifier(_ value: String?) throws(ValueError) -> Int {
        try ValueParse.int(try OptionEntry.required(value), in: 0...255, unit: "modifier")
    }

    static let httpEntries: [OptionEntry] = [
        http(["http-keepalive"], .optionalValue("N"),
             "HTTP/1.1 client keep-alive; N > 1 is also the idle timeout in seconds [off]") { settings, value throws(ValueError) in
            let seconds = try value.map { text throws(ValueError) in try ValueParse.int(text, in: 0...86400 * 365, unit: "seconds") } ?? 1
            settings.keepalive = switch seconds {
            case 0: .off
            case 1: .on
            default: .idleTimeout(seconds: seconds)
            }
        },
        http(["http-headers-timeout"], .value("SECONDS"), "time to receive the request head [= --http-timeout]") { settings, value throws(ValueError) in
            settings.headersTimeout = try ValueParse.int(try OptionEntry.required(value), in: 1...86400, unit: "seconds")
        },
        http(["http-connect-timeout"], .value("SECONDS"), "node connect timeout, retries included [= --http-timeout]") { settings, value throws(ValueError) in
            settings.connectTimeout = try ValueParse.int(try OptionEntry.required(value), in: 1...86400, unit: "seconds")
        },
        httpFlag("http-chunked-input", "chunked request bodies pass through raw", \.chunkedInput),
        httpFlag("http-auto-chunked", "under keep-alive, chunk responses that have no length", \.autoChunked),
        httpFlag("http-auto-gzip", "gzip responses marked 'uWSGI-Encoding: gzip'", \.autoGzip),
        httpFlag("http-websockets", "WebSocket upgrades pass through raw", \.websockets),
        httpFlag("http-nolinger", "lean data plane: reset the node connection once its response is whole (no TIME_WAIT; the node sees a reset)", \.nolinger),
        httpFlag("http-manage-source", "the SOURCE method (Icecast) passes through raw", \.manageSource),
        httpFlag("http-manage-rtsp", "RTSP/1.0 passes through raw, key from the rtsp:// URI", \.manageRTSP),
        httpFlag("http-raw-body", "every session passes its body through raw", \.rawBody),
        httpFlag("http-enable-proxy-protocol", "accept a PROXY v1 line from the peers of --http-proxy-protocol-allow", \.enableProxyProtocol),
        httpFlag("https-export-cert", "also pass the client certificate as HTTPS_CC (PEM)", \.exportClientCertificate),
        http(["http-manage-expect"], .optionalValue("N"),
             "answer 'Expect: 100-continue' itself; N > 1 answers 413 above N bytes") { settings, value throws(ValueError) in
            let limit = try value.map { text throws(ValueError) in try ValueParse.int(text, in: 0...Int.max, unit: "bytes") } ?? 1
            settings.manageExpect = switch limit {
            case 0: .off
            case 1: .on
            default: .limit(bytes: limit)
            }
        },
        OptionEntry(["http-modifier1"], kind: .http, .value("N"),
                    "modifier1 sent to nodes when non-zero; independent of modifier2 [0]",
                    .apply { context, value throws(ValueError) in
                        let modifier = try modifier(value)
                        var zeroes = false
                        context.configuration.withRouter(.http) { spec in
                            zeroes = spec.http.modifier2 != 0
                            spec.http.modifier1 = modifier
                        }
                        if zeroes {
                            context.notice("uWSGI would reset --http-modifier2 to 0 here (modifier1 given after modifier2); fleetrouter keeps both")
                        }
                    }),
        http(["http-modifier2"], .value("N"), "modifier2 sent to nodes when non-zero [0]") { settings, value throws(ValueError) in
            settings.modifier2 = try modifier(value)
        },
        http(["http-var"], .value("KEY=VALUE"), repeatable: true, "extra uwsgi var on every request") { settings, value throws(ValueError) in
            let text = try OptionEntry.required(value)
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw ValueError(expected: "KEY=VALUE with a non-empty KEY")
            }
            settings.vars.append(HTTPVar(name: String(text[..<equals]), value: String(text[text.index(after: equals)...])))
        },
        http(["http-server-name-as-http-host"], .value("BOOL"), "SERVER_NAME = the Host header [0]") { settings, value throws(ValueError) in
            settings.serverNameAsHTTPHost = try ValueParse.bool(try OptionEntry.required(value))
        },
        http(["http-proxy-protocol-allow"], .value("CIDR"), repeatable: true,
             "peers whose PROXY line is believed (fleetrouter only; uWSGI believes every peer) [loopback and unix-socket peers]") { settings, value throws(ValueError) in
            let text = try OptionEntry.required(value).trimmingSpaces()
            do {
                settings.proxyProtocolAllow.append(try AddressRange(parsing: text))
            } catch {
                throw ValueError(expected: "an IPv4 or IPv6 address or network in CIDR form, e.g. 10.0.0.0/8 or fd00::/8")
            }
        },
        http(["http-stud-prefix"], .value("IPV4"), repeatable: true,
             "connections from this address start with a 5-byte client-address prefix") { settings, value throws(ValueError) in
            let text = try OptionEntry.required(value).trimmingSpaces()
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4, parts.allSatisfy({ (try? ValueParse.int(String($0), in: 0...255)) != nil }) else {
                throw ValueError(expected: "an IPv4 address")
            }
            settings.studPrefixes.append(text)
        },
        http(["https-session-context"], .value("NAME"),
             "TLS session context for the --https2 options that follow it") { settings, value throws(ValueError) in
            settings.sessionContext = try ValueParse.nonEmpty(try OptionEntry.required(value), "a session context name")
        },
        OptionEntry(["https2"], kind: .http, .value("addr=ADDR,cert=CRT,key=KEY[,ciphers=…][,clientca=[!]CA]"), repeatable: true,
                    "HTTPS listener",
                    .apply { context, value throws(ValueError) in
                        try addTLSListener(&context, .http, sessionContext: \.http.sessionContext, keyValues: try OptionEntry.required(value))
                    }),
        OptionEntry(["https"], kind: .http, .value("ADDR,CRT,KEY[,CIPHERS[,CA]]"), repeatable: true,
                    "HTTPS listener, legacy comma form",
                    .apply { context, value throws(ValueError) in
                        try addTLSListener(&context, .http, sessionContext: \.http.sessionContext, commaForm: try OptionEntry.required(value))
                    }),
        OptionEntry(["http-to-https"], kind: .http, .value("ADDR[,PORT]"), repeatable: true,
                    "listener answering every request with a 301 to https",
                    .apply { context, value throws(ValueError) in
                        let parsed = try listenAddressWithModifiers(try OptionEntry.required(value))
                        guard parsed.modifiers.count <= 1 else { throw ValueError(expected: "ADDR[,PORT]") }
                        let address = ListenAddress(parsed)
                        let port = try parsed.modifiers.first.map { port throws(ValueError) in
                            try ValueParse.int(port, in: 1...65535, unit: "port")
                        }
                        context.configuration.withRouter(.http) {
                            $0.listeners.append(RouterListener(address: address, mode: .redirectToHTTPS(port: port)))
                        }
                    }),
        OptionEntry(["http-backend-http"], kind: .http, .flag, "plain-HTTP nodes",
                    .unsupported(reason: "uWSGI master-only option (not in 2.0.21)")),
    ]

    /// Adds a TLS listener from `--https2`/`--sslrouter2` key=value form; `sessionContext` is the
    /// kind's `-session-context` option, whose value in force now the listener keeps.
    static func addTLSListener(_ context: inout OptionContext, _ kind: RouterKind, sessionContext: KeyPath<RouterSpec, String?>,
                               keyValues text: String) throws(ValueError) {
        var address: String?, certificate: String?, key: String?, ciphers: String?, clientCA: String?
        for (name, value) in try ValueParse.keyValueList(text) {
            switch name {
            case "addr": address = value
            case "cert", "crt": certificate = value
            case "key": key = value
            case "ciphers": ciphers = value
            case "clientca", "client_ca": clientCA = value
            case "spdy": throw ValueError(expected: "no spdy= (SPDY is obsolete and not supported by fleetrouter)")
            default: throw ValueError(expected: "only the keys addr, cert (crt), key, ciphers, clientca (client_ca); got '\(name)'")
            }
        }
        guard let address, let certificate, let key, !certificate.isEmpty, !key.isEmpty else {
            throw ValueError(expected: "addr=, cert= and key= (all three required)")
        }
        try addTLSListener(&context, kind, sessionContext: sessionContext, address: ListenAddress(parsing: address, for: .listen),
                           certificate: certificate, key: key, ciphers: ciphers, clientCA: clientCA)
    }

    /// Adds a TLS listener from the legacy `ADDR,CRT,KEY[,CIPHERS[,CA]]` form.
    static func addTLSListener(_ context: inout OptionContext, _ kind: RouterKind, sessionContext: KeyPath<RouterSpec, String?>,
                               commaForm text: String) throws(ValueError) {
        let parsed = try listenAddressWithModifiers(text)
        let fields = parsed.modifiers
        guard (2...4).contains(fields.count), !fields[0].isEmpty, !fields[1].isEmpty else {
            throw ValueError(expected: "ADDR,CRT,KEY[,CIPHERS[,CLIENTCA]]")
        }
        try addTLSListener(&context, kind, sessionContext: sessionContext, address: ListenAddress(parsed), certificate: fields[0], key: fields[1],
                           ciphers: fields.count > 2 && !fields[2].isEmpty ? fields[2] : nil,
                           clientCA: fields.count > 3 && !fields[3].isEmpty ? fields[3] : nil)
    }

    /// Parses a listener address followed by `,modifier` fields (`ADDR,PORT`, `ADDR,CRT,KEY`).
    static func listenAddressWithModifiers(_ text: String) throws(ValueError) -> UwsgiAddress {
        do { return try UwsgiAddress(parsing: text, rules: UwsgiAddress.Rules.listen.withModifiers) } catch {
            throw ValueError(expected: error.expected)
        }
    }

    private static func addTLSListener(_ context: inout OptionContext, _ kind: RouterKind, sessionContext sessionContextPath: KeyPath<RouterSpec, String?>,
                                       address listenAddress: ListenAddress,
                                       certificate: String, key: String, ciphers: String?, clientCA: String?) throws(ValueError) {
        let required = clientCA?.hasPrefix("!") ?? false
        let caFile = clientCA.map { required ? String($0.dropFirst()) : $0 }
        context.configuration.withRouter(kind) { spec in
            // The session context in force now is the one uWSGI builds this listener with.
            let sessionContext = spec[keyPath: sessionContextPath]
            let tls = TLSListenerSettings(certificateFile: certificate, privateKeyFile: key, ciphers: ciphers,
                                          clientCAFile: caFile, clientCertificateRequired: required,
                                          sessionContext: sessionContext)
            spec.listeners.append(RouterListener(address: listenAddress, mode: .tls(tls)))
        }
    }
}
