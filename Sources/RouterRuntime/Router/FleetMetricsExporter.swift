import CoreMetrics
import NIOConcurrencyHelpers
import Prometheus

/// A fleetrouter process's metrics on swift-metrics: the routers' counters, gauges and
/// request-duration histograms, created through a `MetricsFactory` and served at `/metrics`
/// from the `PrometheusCollectorRegistry` it owns.
///
/// The data plane keeps counting in its own per-worker counters and latency buckets (no
/// metric call per request); `fold` reads them and brings the metrics up to date: a counter is
/// incremented by what its figure grew since the last fold, a gauge set, a histogram given the
/// requests counted since. `/metrics` folds before it renders; with another backend (see
/// `init`) something must call `fold` on a timer, as `FleetRouterProcess` does.
///
/// The metrics always reach `registry`, whatever the process bootstrapped, so every router of a
/// process (and every router a test starts in one process) serves its own figures. When the
/// embedding code bootstrapped `MetricsSystem` with another factory (swift-otel's, say) before
/// the exporter was made, every metric goes there too.
public final class FleetMetricsExporter: Sendable {
    /// The request-duration histogram's name.
    public static let requestDurationName = "fleetrouter_request_duration_seconds"

    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// The factory every metric is made with: a `PrometheusMetricsFactory` over `registry`,
    /// multiplexed with `also` when there is one.
    private let factory: any MetricsFactory
    /// True when metrics go to a factory besides `registry` (they then need folding on a timer).
    public let forwards: Bool
    private let series = NIOLockedValueBox<[String: Series]>([:])
    /// Folds issued and the newest applied: a fold that read its figures before a newer fold
    /// applied its own is stale and skipped.
    private let folds = NIOLockedValueBox((issued: UInt64(0), applied: UInt64(0)))

    /// One series made through the factory, with what was folded into it so far.
    private enum Series {
        case counter(CoreMetrics.Counter, folded: UInt64)
        case gauge(CoreMetrics.Gauge)
        case timer(CoreMetrics.Timer, folded: RequestLatency.Counts)
    }

    /// An exporter serving `registry`, and forwarding to `also` (by default the factory the
    /// process bootstrapped, unless that is none or a `PrometheusMetricsFactory` over this
    /// very registry).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), also: (any MetricsFactory)? = FleetMetricsExporter.bootstrapped) {
        self.registry = registry
        var prometheus = PrometheusMetricsFactory(registry: registry)
        prometheus.durationHistogramBuckets[Self.requestDurationName] = RequestLatency.bounds.map { .nanoseconds(Int64($0)) }
        let other = also.flatMap { factory -> (any MetricsFactory)? in
            if let served = factory as? PrometheusMetricsFactory, served.registry === registry { return nil }
            return factory
        }
        self.forwards = other != nil
        self.factory = other.map { MultiplexMetricsHandler(factories: [prometheus, $0]) } ?? prometheus
    }

    /// The factory `MetricsSystem` was bootstrapped with; nil when it was not.
    public static var bootstrapped: (any MetricsFactory)? {
        let factory = MetricsSystem.factory
        return factory is NOOPMetricsHandler ? nil : factory
    }

    /// Bootstraps `MetricsSystem` with a `PrometheusMetricsFactory` over `registry`, unless
    /// the process bootstrapped another factory already; what the `fleetrouter` executable
    /// does at start, so metrics of any library in the process reach `/metrics` too.
    public static func bootstrapProcess(registry: PrometheusCollectorRegistry) {
        guard bootstrapped == nil else { return }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    /// Brings every metric up to date with `engines`' figures (and the admin listener's
    /// refusals); a series whose figure is gone (a node that left) is destroyed.
    func fold(_ engines: [RouterEngine], admin: ConnectionLimit?) async {
        let ticket = folds.withLockedValue { folds in
            folds.issued &+= 1
            return folds.issued
        }
        var samples = MetricSamples()
        await FleetMetrics.write(engines, admin: admin, to: &samples)
        let latency = engines.map { ($0.name, $0.requestLatency()) }
        series.withLockedValue { series in
            // Two scrapes at once (an HA pair of Prometheus servers), or a scrape and the
            // periodic fold: figures are running totals, so skipping the older reading loses
            // nothing, while applying it after the newer one would take its lower figures for
            // a reset and count every total twice.
            let fresh = folds.withLockedValue { folds -> Bool in
                guard ticket > folds.applied else { return false }
                folds.applied = ticket
                return true
            }
            guard fresh else { return }
            var seen = Set<String>()
            for sample in samples.samples {
                let id = Self.id(sample.name, sample.labels)
                seen.insert(id)
                switch (sample.kind, series[id]) {
                case (.counter, .counter(let counter, let folded)?):
                    // A figure that went down was reset (a node that left and came back): its
                    // new count is all new.
                    let delta = sample.value >= folded ? sample.value - folded : sample.value
                    if delta > 0 { counter.increment(by: Int64(clamping: delta)) }
                    series[id] = .counter(counter, folded: sample.value)
                case (.counter, _):
                    let counter = CoreMetrics.Counter(label: sample.name, dimensions: sample.labels, factory: factory)
                    if sample.value > 0 { counter.increment(by: Int64(clamping: sample.value)) }
                    series[id] = .counter(counter, folded: sample.value)
                case (.gauge, .gauge(let gauge)?):
                    gauge.record(Double(sample.value))
                case (.gauge, _):
                    let gauge = CoreMetrics.Gauge(label: sample.name, dimensions: sample.labels, factory: factory)
                    gauge.record(Double(sample.value))
                    series[id] = .gauge(gauge)
                }
            }
            for (router, byKey) in latency {
                for (key, counts) in byKey {
                    let labels = [("router", router), ("key", key)]
                    let id = Self.id(Self.requestDurationName, labels)
                    seen.insert(id)
                    let timer: CoreMetrics.Timer
                    var folded = RequestLatency.Counts()
                    if case .timer(let existing, let before)? = series[id] {
                        timer = existing
                        folded = before
                    } else {
                        timer = CoreMetrics.Timer(label: Self.requestDurationName, dimensions: labels, factory: factory)
                    }
                    Self.record(counts, since: folded, into: timer)
                    series[id] = .timer(timer, folded: counts)
                }
            }
            for (id, gone) in series where !seen.contains(id) {
                switch gone {
                case .counter(let counter, _): counter.destroy()
                case .gauge(let gauge): gauge.destroy()
                case .timer(let timer, _): timer.destroy()
                }
                series[id] = nil
            }
        }
    }

    /// Folds, then renders `registry` in Prometheus's text format.
    func render(_ engines: [RouterEngine], admin: ConnectionLimit?) async -> [UInt8] {
        await fold(engines, admin: admin)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    /// Records the requests `counts` has beyond `folded` into `timer`, bucket by bucket: a
    /// bucket's `n` new requests of `sum` nanoseconds in all are recorded as `n` durations
    /// of `sum / n` nanoseconds, `sum % n` of them one nanosecond longer, so the histogram's
    /// buckets, count and sum are exact (each of those lies within its bucket: the mean of
    /// whole nanoseconds above a bound is at least one above it). One call per request, off
    /// the hot path.
    static func record(_ counts: RequestLatency.Counts, since folded: RequestLatency.Counts, into timer: CoreMetrics.Timer) {
        for index in counts.counts.indices {
            let reset = counts.counts[index] < folded.counts[index]
            let requests = reset ? counts.counts[index] : counts.counts[index] - folded.counts[index]
            guard requests > 0 else { continue }
            let sum = reset ? counts.sums[index] : counts.sums[index] &- folded.sums[index]
            let (mean, longer) = sum.quotientAndRemainder(dividingBy: requests)
            for _ in 0..<(requests - longer) { timer.recordNanoseconds(Int64(clamping: mean)) }
            for _ in 0..<longer { timer.recordNanoseconds(Int64(clamping: mean + 1)) }
        }
    }

    private static func id(_ name: String, _ labels: [(String, String)]) -> String {
        var id = name
        for (label, value) in labels {
            id += "\u{0}\(label)\u{0}\(value)"
        }
        return id
    }
}
