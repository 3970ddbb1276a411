/// The `/metrics` figures read at one moment, before they reach swift-metrics: one entry per
/// series (name, kind, labels, value). `FleetMetrics` writes them; `FleetMetricsExporter`
/// folds them into its counters and gauges.
struct MetricSamples {
    /// The kind of a metric family.
    enum Kind: String {
        case counter
        case gauge
    }

    /// One series' value.
    struct Sample {
        var name: String
        var kind: Kind
        var labels: [(String, String)]
        var value: UInt64
    }

    /// The samples so far, in the order written.
    private(set) var samples: [Sample] = []
    /// Each family's kind and help text, for the README and tests.
    private(set) var families: [(name: String, kind: Kind, help: String)] = []
    private var kinds: [String: Kind] = [:]

    /// Starts a metric family.
    mutating func family(_ name: String, _ kind: Kind, help: String) {
        kinds[name] = kind
        families.append((name, kind, help))
    }

    /// Appends one sample of the family `name` (started with `family`).
    mutating func sample(_ name: String, labels: KeyValuePairs<String, String>, value: UInt64) {
        samples.append(Sample(name: name, kind: kinds[name] ?? .gauge, labels: labels.map { ($0.key, $0.value) }, value: value))
    }
}
