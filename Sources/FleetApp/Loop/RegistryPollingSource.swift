import FleetModel
import FleetRegistry
import Synchronization

/// `--registry`: the routers polled are those registered in the etcd fleet registry (plus any
/// given with `--stats` or `--fleet`), followed live. A router that registers appears at once;
/// one whose registration ends (lease expired, router stopped) is shown as gone.
public final class RegistryPollingSource: PollingSource {
    private let poller: FleetPollerSource
    private let views: AsyncStream<[RouterRecord]>
    private let intents: AsyncStream<[FleetIntentLine]>?
    private let stopViews: @Sendable () -> Void
    private let fixed: [RouterEndpoint]
    private let follower = Mutex<Task<Void, Never>?>(nil)

    /// Polls `fixed` and whatever `location` lists, through `control`.
    public convenience init(
        location: RegistryLocation, fixed: [RouterEndpoint], control: any FleetControl,
        configuration: FleetSnapshot.Configuration, clock: any FleetClock
    ) {
        let client = EtcdClient(location: location, timeout: .seconds(3))
        let watcher = RegistryWatcher<RouterRecord>(prefix: location.routersPrefix, client: client)
        let intentWatcher = RegistryWatcher<FleetIntent>(prefix: location.intentPrefix, client: client)
        let (records, feed) = AsyncStream.makeStream(of: [RouterRecord].self, bufferingPolicy: .bufferingNewest(1))
        let (intents, intentFeed) = AsyncStream.makeStream(of: [FleetIntentLine].self, bufferingPolicy: .bufferingNewest(1))
        let forward = Task {
            for await view in watcher.views { feed.yield(view.records) }
            feed.finish()
        }
        let forwardIntents = Task {
            for await view in intentWatcher.views { intentFeed.yield(RegistryEndpoints.lines(view)) }
            intentFeed.finish()
        }
        self.init(views: records, intents: intents,
                  stopViews: { watcher.stop(); intentWatcher.stop(); forward.cancel(); forwardIntents.cancel() },
                  fixed: fixed, control: control, configuration: configuration, clock: clock)
    }

    /// Polls `fixed` and the routers of each list `views` delivers, and shows each intent list
    /// `intents` delivers; `stopViews` ends both streams.
    public init(
        views: AsyncStream<[RouterRecord]>, intents: AsyncStream<[FleetIntentLine]>? = nil, stopViews: @escaping @Sendable () -> Void,
        fixed: [RouterEndpoint], control: any FleetControl, configuration: FleetSnapshot.Configuration, clock: any FleetClock
    ) {
        self.views = views
        self.intents = intents
        self.stopViews = stopViews
        self.fixed = fixed
        self.poller = FleetPollerSource(control: control, endpoints: fixed, configuration: configuration, clock: clock)
    }

    public func start(deliver: @escaping @Sendable (FleetSnapshot) -> Void) {
        poller.start(deliver: deliver)
        let views = self.views
        let fixed = self.fixed
        let poller = self.poller
        let intents = self.intents
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await records in views {
                        poller.setEndpoints(RegistryEndpoints.merge(fixed: fixed, records: records))
                    }
                }
                if let intents {
                    group.addTask {
                        for await lines in intents { poller.setIntents(lines) }
                    }
                }
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

    public func setPreparation(_ preparation: SnapshotPreparation) { poller.setPreparation(preparation) }
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

    /// The dashboard's lines for the intents of a registry view.
    public static func lines(_ view: RegistryWatcher<FleetIntent>.View) -> [FleetIntentLine] {
        view.records.filter { $0.problem == nil }.map { intent in
            FleetIntentLine(name: intent.name, summary: intent.summary, time: intent.time, revision: view.revisions[intent.name] ?? 0)
        }
    }

    /// `fixed` first, then the registry's routers whose names `fixed` does not use.
    public static func merge(fixed: [RouterEndpoint], records: [RouterRecord]) -> [RouterEndpoint] {
        let used = Set(fixed.map(\.id))
        return fixed + endpoints(from: records).filter { !used.contains($0.id) }
    }
}
