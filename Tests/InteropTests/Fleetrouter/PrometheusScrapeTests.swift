import Foundation
import Glibc
import Testing

extension Interop {
    /// fleetrouter's `/metrics` (swift-prometheus) scraped by a real Prometheus.
    @Suite("fleetrouter: scraped by Prometheus", .requiresFleetrouter, .requires(.prometheus))
    struct PrometheusScrapeTests {
        @Test("Prometheus scrapes /metrics every second; fleetrouter_requests_total and the latency histogram move after traffic")
        func scrape() async throws {
            try await InteropFleet.run { fleet in
                let binary = try RequiredTool.prometheus.require()
                try await fleet.startHTTPFleet([("node1", nil)])
                guard case .inet(_, let adminPort) = try fleet.admin().endpoint else { throw InteropError("inet admin listener expected") }
                let port = try ProxyProtocolTests.freePort()
                // GET /metrics is open (reads need no token); Prometheus sends the admin token
                // anyway, as a scrape of a router whose reads were closed would have to.
                let config = try fleet.directory.write("""
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 1s
                      evaluation_interval: 1s
                    scrape_configs:
                      - job_name: fleetrouter
                        metrics_path: /metrics
                        authorization:
                          credentials: \(fleet.token)
                        static_configs:
                          - targets: ["127.0.0.1:\(adminPort)"]

                    """, to: "prometheus.yml")
                let prometheus = try await ManagedProcess.launch(
                    name: "prometheus", executable: URL(fileURLWithPath: binary),
                    arguments: [
                        "--config.file", config, "--storage.tsdb.path", fleet.directory.file("tsdb"),
                        "--web.listen-address", "127.0.0.1:\(port)",
                    ],
                    directory: fleet.directory.url)
                defer { Task { _ = await prometheus.stop(with: SIGTERM) } }
                try await prometheus.waitForLine(containing: "Server is ready to receive web requests", timeout: .seconds(60))
                let api = Endpoint.inet(host: "127.0.0.1", port: port)

                // Scraped before any request: the counter is there at 0.
                let before = try await Self.poll(api, "fleetrouter_requests_total{router=\"http\"}", "a first scrape") { $0 != nil }
                #expect(before == 0)
                let listener = try fleet.listener()
                let requests = 7
                func send() async throws {
                    for _ in 0..<requests {
                        let response = try await offload { try HTTPClient(listener).request() }
                        #expect(response.status == 200)
                    }
                }
                try await send()
                let after = try await Self.poll(api, "fleetrouter_requests_total{router=\"http\"}", "the counter to move by \(requests)") {
                    ($0 ?? 0) >= Double(requests)
                }
                #expect(after == Double(requests))
                let durations = "fleetrouter_request_duration_seconds_count{router=\"http\",key=\"app.local\"}"
                let counted = try await Self.poll(api, durations, "the latency histogram to count \(requests)") { ($0 ?? 0) >= Double(requests) }
                #expect(counted == Double(requests))
                // The key's histogram appeared with the first requests already in it; a rate
                // needs it to grow between two scrapes, so a second round.
                try await send()
                let twice = try await Self.poll(api, durations, "the latency histogram to count \(2 * requests)") { ($0 ?? 0) >= Double(2 * requests) }
                #expect(twice == Double(2 * requests))
                // The README's per-key p99 answers a number of seconds (within the buckets' range).
                let p99 = try await Self.poll(
                    api, "histogram_quantile(0.99, sum by (le, router, key) (increase(fleetrouter_request_duration_seconds_bucket[1m])))",
                    "a p99 latency") { $0.map { !$0.isNaN } ?? false }
                #expect((p99 ?? -1) >= 0 && (p99 ?? 99) <= 10)
                let up = try await Self.query(api, "up{job=\"fleetrouter\"}")
                #expect(up == 1)
            }
        }

        /// Queries Prometheus until `accept` takes the first sample's value (nil: no sample),
        /// with backoff (50 ms doubling to 1 s), for at most 60 s; throws naming `what`.
        static func poll(_ api: Endpoint, _ promQL: String, _ what: String, accept: (Double?) -> Bool) async throws -> Double? {
            let deadline = ContinuousClock.now + .seconds(60)
            var delay = Duration.milliseconds(50)
            var last: Double?
            var failure = ""
            while ContinuousClock.now < deadline {
                do {
                    last = try await query(api, promQL)
                    if accept(last) { return last }
                } catch {
                    failure = "\(error)"
                }
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(1))
            }
            let answered = last.map { "\($0)" } ?? "no sample"
            throw InteropError("waited 60 s for \(what): \(promQL) answered \(answered) \(failure)")
        }

        /// The value of the first sample `promQL` answers now; nil when it answers none.
        static func query(_ api: Endpoint, _ promQL: String) async throws -> Double? {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "_.-")
            let encoded = promQL.addingPercentEncoding(withAllowedCharacters: allowed) ?? promQL
            let response = try await offload { try HTTPClient.get(api, "/api/v1/query?query=\(encoded)", host: "127.0.0.1", timeout: .seconds(5)) }
            guard response.status == 200,
                  let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                  object["status"] as? String == "success",
                  let data = object["data"] as? [String: Any],
                  let result = data["result"] as? [[String: Any]]
            else {
                throw InteropError("Prometheus answered \(response.status) to \(promQL): \(response.text)")
            }
            guard let sample = result.first?["value"] as? [Any], sample.count == 2, let text = sample[1] as? String else { return nil }
            return Double(text)
        }
    }
}
