import FleetModel
import RouterWire

/// Where the executable gets its network pieces. The stopgaps here are swapped for
/// FleetClient's and RouterRuntime's at the lines marked `INTEGRATE`.
public enum FleetServices {
    /// The control for real routers (polls and edits).
    public static func control(timeout: Double) -> any FleetControl {
        SocketStatsControl(timeout: timeout) // INTEGRATE: NIOFleetControl
    }

    /// The background poller the dashboard reads from.
    public static func poller(
        control: any FleetControl, endpoints: [RouterEndpoint], configuration: FleetSnapshot.Configuration,
        timeout: Double, clock: any FleetClock
    ) -> any PollingSource {
        ControlPoller(control: control, endpoints: endpoints, configuration: configuration, timeout: timeout, clock: clock) // INTEGRATE: FleetPoller
    }

    /// Polls every router once, concurrently, each within `timeout` seconds.
    public static func pollOnce(
        _ endpoints: [RouterEndpoint], control: any FleetControl, timeout: Double
    ) async -> [RouterID: Result<StatsDocument, any Error>] {
        await ControlPoller.pollAll(endpoints, control: control, timeout: timeout) // INTEGRATE: pollOnce
    }

    /// The demo fleet `watch` shows when no router is named.
    public static func demoFleet() async throws -> DemoFleet {
        DemoFleet.canned() // INTEGRATE: FleetRouterProcess.start(configuration:logger:)
    }
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
