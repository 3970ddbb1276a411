import CoreMetrics
import NIOCore
import NIOHTTP1
import Prometheus
import RouterConfig
import RouterCore
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("Metrics through swift-metrics and swift-prometheus")
struct FleetMetricsExporterTests {
    /// Routes one request for `key` on `engine` and finishes it.
    static func request(_ engine: RouterEngine, key: String) throws {
        // The node is announced again first: a test slowed past the 17 s subscription tolerance
        // (a loaded full run) would otherwise find it expired.
        if key == "app.local", engine.spec.kind == .http {
            _ = try engine.edit { state throws(RouterCoreError) in
                try state.apply(SubscriptionPacket(key: "app.local", address: "127.0.0.1:5000"))
            }
        }
        guard case .node(let target) = engine.route(key: ByteBuffer(string: key), clientAddress: nil) else {
            Issue.record("no node for \(key)")
            return
        }
        engine.connected(target.lease)
        engine.finished(target.lease, bytesFromNode: 10, bytesToNode: 3)
    }

    /// The value of the sample line starting with `prefix` (name and labels), nil without one.
    static func value(_ text: String, _ prefix: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix + " ") }.map { String($0.dropFirst(prefix.count + 1)) }
    }

    @Test("the latency bucket of a duration is the first bound at or above it; past the last, the overflow bucket")
    func buckets() {
        #expect(RequestLatency.bucket(of: 0) == 0)
        #expect(RequestLatency.bucket(of: 500_000) == 0)
        #expect(RequestLatency.bucket(of: 500_001) == 1)
        #expect(RequestLatency.bucket(of: 10_000_000_000) == RequestLatency.bounds.count - 1)
        #expect(RequestLatency.bucket(of: 10_000_000_001) == RequestLatency.bounds.count)
        #expect(RequestLatency.bucket(of: .max) == RequestLatency.bounds.count)
    }

    @Test("keys past the cap are counted under other; requests without a subscription key under no key")
    func keyCap() {
        var latency = RequestLatency(keyLabels: 2)
        latency.record(1_000, key: "a")
        latency.record(2_000, key: "b")
        latency.record(3_000, key: "c")
        latency.record(4_000, key: "a")
        latency.record(5_000, key: nil)
        #expect(latency.labelled.map(\.key) == ["a", "b"])
        #expect(latency.labelled.map(\.counts.total) == [2, 1])
        #expect(latency.other.total == 1 && latency.other.sums[0] == 3_000)
        #expect(latency.unkeyed.total == 1 && latency.unkeyed.sums[0] == 5_000)
    }

    @Test("folding bucket counts into a histogram keeps its buckets, count and sum exact")
    func exactFold() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["t"] = RequestLatency.bounds.map { .nanoseconds(Int64($0)) }
        let timer = CoreMetrics.Timer(label: "t", factory: factory)
        var counts = RequestLatency.Counts()
        // 3 in the first bucket (0.5 ms), 2 just above 0.5 ms, 1 in the overflow bucket.
        for duration: UInt64 in [100_000, 200_000, 500_000, 500_001, 999_999, 20_000_000_000] { counts.record(duration) }
        FleetMetricsExporter.record(counts, since: RequestLatency.Counts(), into: timer)
        var later = counts
        later.record(700_000)
        FleetMetricsExporter.record(later, since: counts, into: timer)
        let text = registry.emitToString()
        #expect(text.contains("t_bucket{le=\"0.0005\"} 3\n"), "\(text)")
        #expect(text.contains("t_bucket{le=\"0.001\"} 6\n"))
        #expect(text.contains("t_bucket{le=\"10.0\"} 6\n"))
        #expect(text.contains("t_bucket{le=\"+Inf\"} 7\n"))
        #expect(text.contains("t_count 7\n"))
        // 100 µs + 200 µs + 500 µs + 500.001 µs + 999.999 µs + 20 s + 700 µs
        #expect(text.contains("t_sum 20.0030\n") || text.contains("t_sum 20.003\n"), "\(text)")
    }

    @Test("/metrics renders the registry: a counter moves by what its figure grew, latency per router and key, a node that left loses its series")
    func foldAtScrape() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let (handler, fast, http) = try FleetAdminHandlerTests.make(directory: directory)
        _ = try http.edit { state throws(RouterCoreError) in
            try state.apply(SubscriptionPacket(key: "app.local", address: "127.0.0.1:5000"))
        }
        let before = await FleetAdminHandlerTests.call(handler, .GET, "/metrics").1
        #expect(Self.value(before, #"fleetrouter_requests_total{router="http"}"#) == "0", "\(before)")
        #expect(Self.value(before, #"fleetrouter_node_requests_total{router="fastrouter",key="",node="127.0.0.1:3032"}"#) == "0")
        for _ in 0..<3 { try Self.request(http, key: "app.local") }
        try Self.request(fast, key: "anything")
        let after = await FleetAdminHandlerTests.call(handler, .GET, "/metrics").1
        #expect(Self.value(after, #"fleetrouter_requests_total{router="http"}"#) == "3", "\(after)")
        #expect(Self.value(after, #"fleetrouter_requests_total{router="fastrouter"}"#) == "1")
        #expect(Self.value(after, #"fleetrouter_node_requests_total{router="http",key="app.local",node="127.0.0.1:5000"}"#) == "3")
        #expect(after.contains("# TYPE fleetrouter_request_duration_seconds histogram\n"))
        #expect(Self.value(after, #"fleetrouter_request_duration_seconds_count{router="http",key="app.local"}"#) == "3")
        #expect(Self.value(after, #"fleetrouter_request_duration_seconds_bucket{router="http",key="app.local",le="+Inf"}"#) == "3")
        // Static nodes route without a subscription key.
        #expect(Self.value(after, #"fleetrouter_request_duration_seconds_count{router="fastrouter",key=""}"#) == "1")
        // A second scrape adds nothing that did not happen.
        let again = await FleetAdminHandlerTests.call(handler, .GET, "/metrics").1
        #expect(Self.value(again, #"fleetrouter_requests_total{router="http"}"#) == "3")
        #expect(Self.value(again, #"fleetrouter_request_duration_seconds_count{router="http",key="app.local"}"#) == "3")
        // ?router= keeps that router's series.
        let scoped = await FleetAdminHandlerTests.call(handler, .GET, "/metrics", query: "router=fastrouter").1
        #expect(Self.value(scoped, #"fleetrouter_requests_total{router="fastrouter"}"#) == "1")
        #expect(!scoped.contains(#"router="http""#), "\(scoped)")
        #expect(scoped.contains("# TYPE fleetrouter_requests_total counter\n"))
        #expect(await FleetAdminHandlerTests.call(handler, .DELETE, "/v1/static", query: "router=fastrouter", body: #"{"address":"127.0.0.1:3032"}"#).0 == .ok)
        let removed = await FleetAdminHandlerTests.call(handler, .GET, "/metrics").1
        #expect(!removed.contains(#"node="127.0.0.1:3032""#), "\(removed)")
        #expect(removed.contains(#"node="127.0.0.1:3031""#))
    }

    @Test("each exporter serves its own registry, and forwards every metric to the factory it is given")
    func forwarding() async throws {
        let directory = try makeTempDirectory()
        defer { removeDirectory(directory) }
        let elsewhere = PrometheusCollectorRegistry()
        let (configuration, _) = try RouterConfiguration.parse(arguments: [
            "--http", "127.0.0.1:0", "--http-subscription-server", "127.0.0.1:0",
        ]) { _ in "" }
        let engine = try RouterEngine(
            spec: configuration.routers[0], global: configuration, sessions: SessionTable(group: RouterHarness.group), logger: quietLogger)
        _ = try engine.edit { state throws(RouterCoreError) in
            try state.apply(SubscriptionPacket(key: "app.local", address: "127.0.0.1:5000"))
        }
        let forwarding = FleetMetricsExporter(also: PrometheusMetricsFactory(registry: elsewhere))
        let plain = FleetMetricsExporter(also: nil)
        #expect(forwarding.forwards && !plain.forwards)
        let served = PrometheusCollectorRegistry()
        #expect(!FleetMetricsExporter(registry: served, also: PrometheusMetricsFactory(registry: served)).forwards)
        try Self.request(engine, key: "app.local")
        await forwarding.fold([engine], admin: nil)
        await plain.fold([engine], admin: nil)
        for registry in [forwarding.registry, elsewhere, plain.registry] {
            let text = registry.emitToString()
            #expect(Self.value(text, #"fleetrouter_requests_total{router="http"}"#) == "1", "\(text)")
            #expect(Self.value(text, #"fleetrouter_request_duration_seconds_count{router="http",key="app.local"}"#) == "1")
        }
        try Self.request(engine, key: "app.local")
        await forwarding.fold([engine], admin: nil)
        #expect(Self.value(elsewhere.emitToString(), #"fleetrouter_requests_total{router="http"}"#) == "2")
        #expect(Self.value(plain.registry.emitToString(), #"fleetrouter_requests_total{router="http"}"#) == "1", "not folded since")
    }
}
