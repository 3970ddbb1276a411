import FleetModel
import FleetRegistry
import Synchronization

/// `--registry`: the routers polled are those registered in the etcd fleet registry (plus any
/// given with `--stats` or `--fleet`), followed live. A router that registers appears at once;
/// one whose registration ends (lease expired, router stopped) is shown as gone.
public final class RegistryPollingSource: PollingSource {
    private let poller: FleetPollerSource
    private let watcher: RegistryWatcher
    private let fixed: [RouterEndpoint]
    private let follower = Mutex<Task<Void, Never>?>(nil)

    /// Polls `fixed` and whatever `location` lists, through `control`.
    public init(
        location: RegistryLocation, fixed: [RouterEndpoint], control: any FleetControl,
        configuration: FleetSnapshot.Configuration, clock: any FleetClock
    ) {
        self.fixed = fixed
        self.poller = FleetPollerSource(control: control, endpoints: fixed, configuration: configuration, clock: clock)
        self.watcher = RegistryWatcher(location: location, client: EtcdClient(endpoints: location.endpoints, timeout: .seconds(3)))
    }

    public func start(deliver: @escaping @Sendable (FleetSnapshot) -> Void) {
        poller.start(deliver: deliver)
        let views = watcher.views
        let fixed = self.fixed
        let poller = self.poller
        let task = Task {
            for await view in views {
                poller.setEndpoints(RegistryEndpoints.merge(fixed: fixed, records: view.records))
            }
        }
        follower.withLock { $0 = task }
    }

    public func stop() {
        watcher.stop()
        follower.withLock { task in
            defer { task = nil }
            return task
        }?.cancel()
        poller.stop()
    }

    public func refreshNow() { poller.refreshNow() }

    public func setPaused(_ paused: Bool) { poller.setPaused(paused) }
}

/// Turns registry records into the endpoints fleettop polls.
public enum RegistryEndpoints {
    /// One endpoint per record whose stats address parses (tagged with its kinds and host);
    /// the admin address is left to be learned from the stats, so no token is sent to an
    /// address only a registry named.
    public static func endpoints(from records: [RouterRecord]) -> [RouterEndpoint] {
        records.compactMap { record in
            guard let stats = try? StatsAddress(parsing: record.stats) else { return nil }
            return RouterEndpoint(name: record.name, stats: stats, tags: record.kinds + ["host:\(record.host)", "registry"])
        }
    }

    /// `fixed` first, then the registry's routers whose names `fixed` does not use.
    public static func merge(fixed: [RouterEndpoint], records: [RouterRecord]) -> [RouterEndpoint] {
        let used = Set(fixed.map(\.id))
        return fixed + endpoints(from: records).filter { !used.contains($0.id) }
    }
}
