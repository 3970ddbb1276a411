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
    public static func demoFleet() async throws -> DemoFleet {
        DemoFleet.canned() // INTEGRATE: FleetRouterProcess.start(configuration:logger:)
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

/// A fleet to show when no router is named: its routers, how to reach them, and how to stop it.
public struct DemoFleet: Sendable {
    /// The routers.
    public var endpoints: [RouterEndpoint]
    /// How to poll and edit them.
    public var control: any FleetControl
    /// A line for the status bar saying what this fleet is.
    public var note: String
    /// Stops whatever runs the fleet.
    public var stop: @Sendable () async -> Void

    /// Creates a demo fleet.
    public init(endpoints: [RouterEndpoint], control: any FleetControl, note: String, stop: @escaping @Sendable () async -> Void) {
        self.endpoints = endpoints
        self.control = control
        self.note = note
        self.stop = stop
    }

    /// The canned fleet of `CannedFleets` behind a `FakeFleetControl` with made-up traffic:
    /// edits apply in memory.
    public static func canned() -> DemoFleet {
        DemoFleet(
            endpoints: CannedFleets.endpoints, control: DemoTrafficControl(fake: CannedFleets.fakeControl()),
            note: "demo fleet (canned): edits apply in memory; give --stats ADDR or --fleet FILE to watch routers",
            stop: {})
    }
}
