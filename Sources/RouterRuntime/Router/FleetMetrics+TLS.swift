import RouterWire

extension FleetMetrics {
    /// The TLS families, for the routers with TLS listeners (none: nothing written). Labels
    /// stay low-cardinality: per listener as configured, and a fixed set of failure reasons;
    /// SNI contexts (one per subscribed name) are summed into a count and their earliest
    /// expiry; each name's expiry is in the stats document (`tls.sni`).
    static func writeTLS(_ engines: [RouterEngine], to text: inout MetricSamples) {
        let routers: [(name: String, tls: StatsDocument.TLSState)] = engines.compactMap { engine in
            (engine.kindAttachment as? TLSRouterSupport).map { (engine.name, $0.state) }
        }
        guard !routers.isEmpty else { return }
        let perListener: [(String, MetricSamples.Kind, String, (StatsDocument.TLSListener) -> UInt64)] = [
            ("fleetrouter_tls_handshakes_total", .counter, "TLS handshakes completed, per listener.", { $0.handshakes }),
            ("fleetrouter_tls_certificate_expiry_timestamp_seconds", .gauge,
             "The notAfter of the certificate a TLS listener serves without SNI, in seconds since the epoch.", { $0.expires }),
        ]
        for (name, kind, help, value) in perListener {
            text.family(name, kind, help: help)
            for router in routers {
                for listener in router.tls.listeners {
                    text.sample(name, labels: ["router": router.name, "listener": listener.name], value: value(listener))
                }
            }
        }
        let failures = "fleetrouter_tls_handshake_failures_total"
        text.family(failures, .counter, help: "TLS clients closed before their handshake completed, per listener and reason.")
        for router in routers {
            for listener in router.tls.listeners {
                for reason in TLSFailureReason.allCases {
                    text.sample(failures, labels: ["router": router.name, "listener": listener.name, "reason": reason.rawValue],
                                value: listener.handshakeFailures[reason.rawValue] ?? 0)
                }
            }
        }
        let earliest = "fleetrouter_tls_sni_earliest_expiry_timestamp_seconds"
        text.family(earliest, .gauge, help: "The earliest notAfter among the SNI contexts served now, in seconds since the epoch.")
        for router in routers {
            if let first = router.tls.sni.map(\.expires).min() {
                text.sample(earliest, labels: ["router": router.name], value: first)
            }
        }
        let perRouter: [(String, MetricSamples.Kind, String, (StatsDocument.TLSState) -> UInt64)] = [
            ("fleetrouter_tls_sni_contexts", .gauge, "SNI contexts served now (--sni, --sni-dir and subscriptions).", { UInt64($0.sni.count) }),
            ("fleetrouter_tls_sni_load_failures_total", .counter, "SNI certificates that could not be loaded (subscriptions, --sni-dir).", { $0.sniFailures }),
            ("fleetrouter_tls_reloads_total", .counter, "Certificate reloads (SIGHUP or POST /v1/tls/reload).", { $0.reloads }),
            ("fleetrouter_tls_reload_failures_total", .counter, "Certificate reloads that kept an old context because a file was bad.", { $0.reloadFailures }),
        ]
        for (name, kind, help, value) in perRouter {
            text.family(name, kind, help: help)
            for router in routers { text.sample(name, labels: ["router": router.name], value: value(router.tls)) }
        }
    }
}
