extension FleetMetrics {
    /// The code forwarder families, for routers that have one (label `router`; failures also
    /// `kind`: error, timeout, invalid, refused).
    static func writeCode(_ engines: [RouterEngine], to text: inout MetricSamples) {
        let forwarders = engines.compactMap { engine in engine.codeForwarder.map { (engine.name, $0.counters) } }
        guard !forwarders.isEmpty else { return }
        let families: [(String, String, (CodeForwarder.Counters) -> UInt64)] = [
            ("fleetrouter_code_lookups_total", "Keys the code forwarder looked up.", { $0.lookups }),
            ("fleetrouter_code_cache_hits_total", "Code forwarder lookups answered from its cache.", { $0.cacheHits }),
            ("fleetrouter_code_calls_total", "Code resolver calls started.", { $0.calls }),
        ]
        for (name, help, value) in families {
            text.family(name, .counter, help: help)
            for (router, counters) in forwarders { text.sample(name, labels: ["router": router], value: value(counters)) }
        }
        let failures = "fleetrouter_code_failures_total"
        text.family(failures, .counter, help: "Requests refused because the code resolver failed, timed out, answered garbage or was busy, by kind.")
        for (router, counters) in forwarders {
            for kind in ["error", "timeout", "invalid", "refused"] {
                text.sample(failures, labels: ["router": router, "kind": kind], value: counters.failures[kind] ?? 0)
            }
        }
    }
}
