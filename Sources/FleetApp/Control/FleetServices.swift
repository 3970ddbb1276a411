import FleetClient
import FleetModel
import RouterWire

/// Where the executable gets its network pieces: FleetClient's control and poller, and the
/// in-process demo fleet.
public enum FleetServices {
    /// The control for real routers (polls and edits), each call bounded by `timeout` seconds.
    public static func control(timeout: Double) -> NIOFleetControl {
        NIOFleetControl(configuration: .init(timeout: duration(seconds: timeout)))
    }

    /// The background poller the dashboard reads from.
    public static func poller(
        control: any FleetControl, endpoints: [RouterEndpoint], configuration: FleetSnapshot.Configuration,
        clock: any FleetClock
    ) -> any PollingSource {
        FleetPollerSource(control: control, endpoints: endpoints, configuration: configuration, clock: clock)
    }

    /// Polls every router once, concurrently. Through `NIOFleetControl` each poll is bounded by
    /// `timeout` seconds; any other control is trusted to answer.
    public static func pollOnce(
        _ endpoints: [RouterEndpoint], control: any FleetControl, timeout: Double
    ) async -> [RouterID: Result<StatsDocument, any Error>] {
        if let client = control as? NIOFleetControl {
            let results = await client.pollOnce(endpoints, timeout: duration(seconds: timeout))
            // Callers name the router and address themselves; keep only the problem.
            return results.mapValues { $0.mapError { PollProblem(description: $0.problem) } }
        }
        return await withTaskGroup(of: (RouterID, Result<StatsDocument, any Error>).self) { group in
            for endpoint in endpoints {
                group.addTask {
                    do { return (endpoint.id, .success(try await control.poll(endpoint))) } catch { return (endpoint.id, .failure(error)) }
                }
            }
            var results: [RouterID: Result<StatsDocument, any Error>] = [:]
            for await (id, result) in group { results[id] = result }
            return results
        }
    }

    /// The demo fleet `watch` shows when no router is named.
    public static func demoFleet(_ options: DemoFleet.Options = .standard) async throws -> DemoFleet {
        try await DemoFleet.startEmbedded(options)
    }

    /// `seconds` as a `Duration`, to the millisecond.
    static func duration(seconds: Double) -> Duration {
        .milliseconds(Int64((max(seconds, 0.001) * 1000).rounded()))
    }
}

/// Why a poll failed, without the router and address (the caller's message names them).
public struct PollProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problem (`connection refused (Connection refused)`).
    public var description: String
}
