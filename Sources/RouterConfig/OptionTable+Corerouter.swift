/// Options every corerouter shares, expanded per router prefix.
extension OptionTable {
    private static let all: [RouterKind] = [.http, .fastrouter, .rawrouter, .sslrouter, .forkptyrouter]
    private static let mapping: [RouterKind] = [.http, .fastrouter, .rawrouter, .sslrouter]

    private static func address(_ value: String?, _ purpose: ListenAddress.Purpose) throws(ValueError) -> ListenAddress {
        try ListenAddress(parsing: try OptionEntry.required(value), for: purpose)
    }

    private static func seconds(_ value: String?, from lowest: Int = 0) throws(ValueError) -> Int {
        try ValueParse.int(try OptionEntry.required(value), in: lowest...86400 * 365, unit: "seconds")
    }

    static let corerouterEntries: [OptionEntry] = {
        var entries: [OptionEntry] = []
        entries += OptionEntry.router([""], [.fastrouter, .rawrouter], .value("ADDR"), repeatable: true,
                                      "listener: host:port, :port, [ipv6]:port, UNIX path, @abstract") { spec, value throws(ValueError) in
            spec.listeners.append(RouterListener(address: try address(value, .listen)))
        }
        entries += [OptionEntry(["http", "httprouter"], kind: .http, .value("ADDR"), repeatable: true,
                                "listener: host:port, :port, [ipv6]:port, UNIX path, @abstract",
                                .apply { context, value throws(ValueError) in
                                    let listener = RouterListener(address: try address(value, .listen))
                                    context.configuration.withRouter(.http) { $0.listeners.append(listener) }
                                })]
        entries += OptionEntry.router(["to"], mapping, .value("ADDR"), repeatable: true,
                                      "static node, used round robin in this order") { spec, value throws(ValueError) in
            spec.staticNodes.append(try address(value, .connect))
        }
        entries += OptionEntry.router(["subscription-server"], mapping, .value("ADDR"), repeatable: true,
                                      "subscription server: UDP host:port or UNIX datagram path") { spec, value throws(ValueError) in
            spec.subscriptionServers.append(try address(value, .bindDatagram))
        }
        entries += OptionEntry.router(["stats", "stats-server", "ss"], all, .value("ADDR"),
                                      "stats server (TCP if the address has ':', else UNIX)") { spec, value throws(ValueError) in
            spec.statsAddress = try address(value, .listen)
        }
        entries += OptionEntry.router(["cheap"], mapping, .flag,
                                      "accept clients only while a subscription node exists") { spec, value throws(ValueError) in
            spec.cheap = try OptionEntry.flag(value)
        }
        entries += OptionEntry.router(["fallback"], mapping, .value("ADDR"), repeatable: true,
                                      "retries after a failed connect go to these nodes, in order") { spec, value throws(ValueError) in
            spec.fallback.append(try address(value, .connect))
        }
        // uWSGI accepts both on its forkpty router and does nothing with them; a configuration
        // that asks for them expects behaviour this router cannot have.
        entries += OptionEntry.router(["cheap"], [.forkptyrouter], .flag, "cheap mode",
                                      .unsupported(reason: "a forkpty router has no subscription server, so cheap mode would never end (uWSGI accepts it and never accepts a client)"))
        entries += OptionEntry.router(["fallback"], [.forkptyrouter], .value("ADDR"), repeatable: true, "fallback nodes",
                                      .unsupported(reason: "a forkpty router has no nodes and no retries for fallbacks to take (uWSGI accepts it and never uses it)"))
        entries += OptionEntry.router(["timeout"], all, .value("SECONDS"),
                                      "inactivity timeout per peer, also node connect [60]") { spec, value throws(ValueError) in
            spec.timeout = try seconds(value, from: 1)
        }
        entries += OptionEntry.router(["gracetime"], mapping, .value("SECONDS"),
                                      "a failed static node is skipped this long [30]") { spec, value throws(ValueError) in
            spec.gracetime = try seconds(value)
        }
        entries += OptionEntry.router(["max-retries"], [.fastrouter, .rawrouter, .sslrouter], .value("N"),
                                      "retries after a failed node connect [3]") { spec, value throws(ValueError) in
            spec.maxRetries = try ValueParse.int(try OptionEntry.required(value), in: 0...1000)
        }
        // uWSGI's HTTP router has a fixed 3; fleetrouter lets it be set like the others.
        entries += OptionEntry.router(["max-retries"], [.http], .value("N"),
                                      "retries after a failed node connect (fleetrouter only; uWSGI: fixed) [3]") { spec, value throws(ValueError) in
            spec.maxRetries = try ValueParse.int(try OptionEntry.required(value), in: 0...1000)
        }
        entries += OptionEntry.router(["workers", "processes"], all, .value("N"),
                                      "event loops serving this router [1]") { spec, value throws(ValueError) in
            spec.workers = try ValueParse.int(try OptionEntry.required(value), in: 1...1024)
        }
        entries += OptionEntry.router(["quiet"], mapping, .value("BOOL"),
                                      "silence 'unable to connect() to node' lines (takes a value: 1) [0]") { spec, value throws(ValueError) in
            spec.quiet = try ValueParse.bool(try OptionEntry.required(value))
        }
        entries += OptionEntry.router(["buffer-size"], mapping, .value("BYTES"),
                                      "NIO data plane: the first receive buffer of each client connection, growing to 64 KiB (or to BYTES when larger); lean data plane: the size of the loop's pooled read buffers when above their 64 KiB; at most 1 MiB [4096]") { spec, value throws(ValueError) in
            spec.bufferSize = try ValueParse.int(try OptionEntry.required(value), in: RouterSpec.bufferSizeRange, unit: "bytes")
        }
        entries += OptionEntry.router(["harakiri"], all, .value("SECONDS"),
                                      "abort (for the supervisor to restart) when a data-plane loop is stuck in one iteration this long; 0 is off [0]") { spec, value throws(ValueError) in
            spec.harakiri = try seconds(value)
        }
        entries += OptionEntry.router(["events"], all, .value("N"),
                                      "lean data plane: most events one epoll_wait returns, or completions one io_uring wait reaps, per loop iteration (uWSGI's epoll batch: not a connection limit); no effect under NIO, which sizes its own batches [256; uWSGI: 64]") { spec, value throws(ValueError) in
            spec.events = try ValueParse.int(try OptionEntry.required(value), in: RouterSpec.eventsRange)
        }
        entries += OptionEntry.router(["max-connections"], all, .value("N"),
                                      "clients open at once per listener; more are closed at accept and counted (fleetrouter only) [\(ConnectionDefaults.dataPlane)]") { spec, value throws(ValueError) in
            spec.maxConnections = try ValueParse.int(try OptionEntry.required(value), in: 1...1_000_000)
        }
        entries += OptionEntry.router(["zerg"], all, .value("PATH"), repeatable: true,
                                      "receive listeners from this zerg server") { spec, value throws(ValueError) in
            spec.zerg.append(try ValueParse.nonEmpty(try OptionEntry.required(value), "a UNIX socket path"))
        }
        entries += OptionEntry.router(["use-base"], mapping, .value("PREFIX"),
                                      "mapper: node = PREFIX + key") { spec, value throws(ValueError) in
            spec.useBase = try ValueParse.nonEmpty(try OptionEntry.required(value), "an address prefix")
        }
        entries += OptionEntry.router(["use-pattern"], mapping, .value("PATTERN"),
                                      "mapper: node = PATTERN with %s replaced by the key") { spec, value throws(ValueError) in
            spec.usePattern = try ValueParse.nonEmpty(try OptionEntry.required(value), "a pattern such as /run/apps/%s.sock")
        }
        entries += OptionEntry.router(["use-cache"], mapping, .optionalValue("NAME"),
                                      "mapper: look the key up in a --cache2 cache (value addr1|addr2[,modifier1], round robin); no NAME: the first cache") { spec, value throws(ValueError) in
            spec.useCache = value ?? ""
        }
        entries += OptionEntry.router(["use-code-string"], mapping, .value("M1:FILE:FUNC"),
                                      "mapper: call FUNC in the shared object FILE for each key, off the data plane; M1 must be 18 (uWSGI's symcall: a C symbol), as fleetrouter embeds no Python (0) or Lua (6); FUNC is int FUNC(const char *key, size_t key_len, char *out, size_t out_cap, unsigned *ttl_seconds) (README: Code forwarder)") { spec, value throws(ValueError) in
            spec.useCodeString = try CodeStringMapper(parsing: try OptionEntry.required(value))
        }
        entries += OptionEntry.router(["use-code-socket"], mapping, .value("PATH"),
                                      "mapper (fleetrouter's own): ask the resolver listening on the unix socket PATH for each key, one uwsgi request per key with a deadline; a uWSGI app can answer (README: Code forwarder)") { spec, value throws(ValueError) in
            spec.useCodeSocket = try ValueParse.nonEmpty(try OptionEntry.required(value), "a unix socket path")
        }
        entries += OptionEntry.router(["use-code-resolver"], mapping, .value("NAME"),
                                      "mapper (fleetrouter's own): the in-process Swift resolver a program embedding RouterRuntime registered as NAME (the stock binary registers none)") { spec, value throws(ValueError) in
            spec.useCodeResolver = try ValueParse.nonEmpty(try OptionEntry.required(value), "a resolver name")
        }
        entries += OptionEntry.router(["code-timeout"], mapping, .value("MS"),
                                      "code forwarder: a key's resolution that takes longer fails its requests (502 / close); default 1000") { spec, value throws(ValueError) in
            spec.codeTimeoutMilliseconds = try ValueParse.int(try OptionEntry.required(value), in: 1...600_000, unit: "milliseconds")
        }
        entries += OptionEntry.router(["use-socket"], mapping, .optionalValue("N"),
                                      "refused at start: it names the instance's own uwsgi socket N, and a fleetrouter serves no application and binds no uwsgi socket of its own; use -to ADDR") { spec, value throws(ValueError) in
            spec.useSocket = try value.map { text throws(ValueError) in try ValueParse.int(text, in: 0...1023) } ?? 0
        }
        entries += OptionEntry.router(["subscription-fallback-key"], [.http, .fastrouter], .value("KEY"),
                                      "subscription slot used when the key is unknown") { spec, value throws(ValueError) in
            spec.subscriptionFallbackKey = try ValueParse.nonEmpty(try OptionEntry.required(value), "a subscription key")
        }
        entries += OptionEntry.router(["resubscribe"], [.http, .fastrouter], .value("ADDR"), repeatable: true,
                                      "re-send every subscription packet to this server") { spec, value throws(ValueError) in
            spec.resubscribe.append(try address(value, .connect))
        }
        entries += OptionEntry.router(["resubscribe-bind"], [.fastrouter], .value("ADDR"),
                                      "local UDP address the re-sent packets come from") { spec, value throws(ValueError) in
            spec.resubscribeBind = try address(value, .bindDatagram)
        }
        entries += OptionEntry.router(["uid"], [.http, .fastrouter], .value("USER"),
                                      "privilege drop (process-wide in fleetrouter)") { spec, value throws(ValueError) in
            spec.uid = try ValueParse.nonEmpty(try OptionEntry.required(value), "a user name or uid")
        }
        entries += OptionEntry.router(["gid"], [.http, .fastrouter], .value("GROUP"),
                                      "privilege drop (process-wide in fleetrouter)") { spec, value throws(ValueError) in
            spec.gid = try ValueParse.nonEmpty(try OptionEntry.required(value), "a group name or gid")
        }
        entries += OptionEntry.router(["post-buffering"], [.http, .fastrouter], .value("BYTES"),
                                      "read a request's whole body before connecting its node: up to BYTES in memory, a longer one spooled to an unlinked temp file; 0 is off [0]") { spec, value throws(ValueError) in
            spec.postBuffering = try ValueParse.int(try OptionEntry.required(value), in: 0...(1 << 30), unit: "bytes")
        }
        entries += OptionEntry.router(["post-buffering-dir"], [.http, .fastrouter], .value("DIR"),
                                      "directory of the post-buffering temp files (uWSGI ignores it) [$TMPDIR, else /tmp]") { spec, value throws(ValueError) in
            spec.postBufferingDirectory = try ValueParse.nonEmpty(try OptionEntry.required(value), "a directory")
        }
        entries += OptionEntry.router(["subscription-slot"], [.fastrouter, .rawrouter], .value("N"),
                                      "deprecated in uWSGI", .ignored(reason: "deprecated no-op in uWSGI"))
        return entries
    }()
}
