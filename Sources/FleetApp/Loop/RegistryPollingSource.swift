import FleetModel
import FleetRegistry
import Synchronization

/// `--registry`: the routers polled are those registered in the etcd fleet registry (plus any
/// given with `--stats` or `--fleet`), followed live. A router that registers appears at once;
/// one whose registration ends (lease expired, router stopped) is shown as gone.
public final class RegistryPollingSource: PollingSource {
    private let poller: FleetPollerSource
    private let views: AsyncStream<[RouterRecord]>
    private let stopViews: @Sendable () -> Void
    private let fixed: [RouterEndpoint]
    private let follower = Mutex<Task<Void, Never>?>(nil)

    /// Polls `fixed` and whatever `location` lists, through `control`.
    public convenience init(
        location: RegistryLocation, fixed: [RouterEndpoint], control: any FleetControl,
        configuration: FleetSnapshot.Configuration, clock: any FleetClock
    ) {
        let watcher = RegistryWatcher<RouterRecord>(prefix: location.routersPrefix, client: EtcdClient(endpoints: location.endpoints, timeout: .seconds(3)))
        let (records, feed) = AsyncStream.makeStream(of: [RouterRecord].self, bufferingPolicy: .bufferingNewest(1))
        let forward = Task {
            for await view in watcher.views { feed.yield(view.records) }
            feed.finish()
        }
        self.init(views: records, stopViews: { watcher.stop(); forward.cancel() },
                  fixed: fixed, control: control, configuration: configuration, clock: clock)
    }

    /// Polls `fixed` and the routers of each list `views` delivers; `stopViews` ends `views`.
    public init(
        views: AsyncStream<[RouterRecord]>, stopViews: @escaping @Sendable () -> Void, fixed: [RouterEndpoint],
        control: any FleetControl, configuration: FleetSnapshot.Configuration, clock: any FleetClock
    ) {
        self.views = views
        self.stopViews = stopViews
        self.fixed = fixed
        self.poller = FleetPollerSource(control: control, endpoints: fixed, configuration: configuration, clock: clock)
    }

    public func start(deliver: @escaping @Sendable (FleetSnapshot) -> Void) {
        poller.start(deliver: deliver)
        let views = self.views
        let fixed = self.fixed
        let poller = self.poller
        let task = Task {
            for await records in views {
                poller.setEndpoints(RegistryEndpoints.merge(fixed: fixed, records: records))
            }
        }
        follower.withLock { $0 = task }
    }

    public func stop() {
        stopViews()
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
