import FleetModel
import RouterWire

/// Fixed fleet states for tests and the dashboard's screen tests: a fleetrouter, a real uWSGI
/// router (values transcribed from `Tests/RouterWireTests/Samples/stats/02-after-requests.http-router.json`)
/// and a router that never answers. All times are relative to `epoch` so a `ManualFleetClock`
/// started there gives stable "seconds ago" figures.
public enum CannedFleets {
    /// The instant the canned documents were "taken" (matches the uWSGI sample's `last_check`).
    public static let epoch: Double = 1_795_909_900

    /// Name of the canned fleetrouter.
    public static let fleetrouterID: RouterID = "edge-http"
    /// Name of the canned uWSGI router.
    public static let uwsgiID: RouterID = "legacy-uwsgi"
    /// Name of the canned router that never answers.
    public static let unreachableID: RouterID = "edge-down"
    /// The poll error of the unreachable router.
    public static let unreachableError = "connect to 127.0.0.1:9393: connection refused"

    /// The three routers' endpoints (the uWSGI one with a subscription server, so kick and
    /// weight are available).
    public static let endpoints: [RouterEndpoint] = [
        RouterEndpoint(
            name: fleetrouterID.name, stats: .tcp(host: "127.0.0.1", port: 9191),
            admin: .tcp(host: "127.0.0.1", port: 9292), tags: ["edge", "eu"]),
        RouterEndpoint(
            name: uwsgiID.name, stats: .tcp(host: "127.0.0.1", port: 19191),
            subscriptionServer: .tcp(host: "127.0.0.1", port: 17070), tags: ["legacy"]),
        RouterEndpoint(name: unreachableID.name, stats: .tcp(host: "127.0.0.1", port: 9393), tags: ["edge"]),
    ]

    /// A fleetrouter HTTP router: keys `app.example.com` and `api.example.com`, three nodes
    /// each; `127.0.0.1:3032` under `app.example.com` is draining with 2 sessions in flight.
    /// `requestsScale` multiplies the request and byte counters (a later poll of the same router).
    public static func fleetrouterHTTP(requestsScale: UInt64 = 1) -> StatsDocument {
        func node(_ port: Int, requests: UInt64, ref: UInt64 = 0, state: StatsDocument.NodeState = .ready,
                  drain: UInt64 = 0, weight: UInt64 = 1, operatorWeight: UInt64? = nil) -> StatsDocument.Node {
            StatsDocument.Node(
                name: "127.0.0.1:\(port)", modifier1: 0, lastCheck: UInt64(epoch) - 2,
                requests: requests * requestsScale, lastRequests: 3, tx: requests * requestsScale * 512,
                rx: requests * requestsScale * 180, cores: 4, weight: weight, ref: ref,
                operatorFields: .init(state: state, drain: drain, operatorWeight: operatorWeight))
        }
        let app = StatsDocument.Slot(key: "app.example.com", hash: 36610, hits: 1_230 * requestsScale, nodes: [
            node(3031, requests: 400, ref: 1),
            node(3032, requests: 380, ref: 2, state: .draining, drain: 1),
            node(3033, requests: 450, weight: 2, operatorWeight: 4),
        ])
        let api = StatsDocument.Slot(key: "api.example.com", hash: 6436, hits: 610 * requestsScale, nodes: [
            node(4041, requests: 200),
            node(4042, requests: 210, ref: 1),
            node(4043, requests: 200),
        ])
        return StatsDocument(
            version: "fleetrouter 0.1.0", pid: 4242, cwd: "/srv/fleet", activeSessions: 4,
            listeners: .init(routerName: "http", addresses: ["127.0.0.1:8080", "127.0.0.1:7070"]),
            subscriptions: [api, app], cheap: 0, kind: "http", admin: "127.0.0.1:9292", cheapMode: .auto,
            sessions: [
                .init(client: "127.0.0.1:51000", key: "app.example.com", node: "127.0.0.1:3031", age: 3, tx: 20_480, rx: 512, state: "relaying"),
                .init(client: "127.0.0.1:51002", key: "app.example.com", node: "127.0.0.1:3032", age: 41, tx: 1_048_576, rx: 900, state: "relaying"),
                .init(client: "127.0.0.1:51003", key: "app.example.com", node: "127.0.0.1:3032", age: 12, tx: 4_096, rx: 700, state: "relaying"),
                .init(client: "127.0.0.1:51007", key: "api.example.com", node: "", age: 0, tx: 0, rx: 310, state: "headers"),
            ])
    }

    /// The real uWSGI 2.0.21 HTTP router of the reference capture `02-after-requests`: key
    /// `app.local`, three nodes with 10 requests each. No Fleettop keys.
    public static func uwsgiHTTPAfterRequests() -> StatsDocument {
        func node(_ port: Int, rx: UInt64) -> StatsDocument.Node {
            StatsDocument.Node(
                name: "127.0.0.1:\(port)", modifier1: 0, modifier2: 0, lastCheck: 1_795_909_900,
                pid: 0, uid: 0, gid: 0, requests: 10, lastRequests: 10, tx: 970, rx: rx,
                cores: 2, load: 0, weight: 1, wrr: 0, ref: 0, failcnt: 0, deathMark: 0)
        }
        return StatsDocument(
            version: "2.0.21-debian", pid: 1619, uid: 0, gid: 0, cwd: "/srv/app", activeSessions: 0,
            listeners: .init(routerName: "http", addresses: ["127.0.0.1:18080", "127.0.0.1:17070"]),
            subscriptions: [
                StatsDocument.Slot(key: "app.local", hash: 52178, hits: 30, sniEnabled: 0, nodes: [
                    node(13031, rx: 2679), node(13032, rx: 2679), node(13033, rx: 2677),
                ])
            ],
            cheap: 0)
    }

    /// A snapshot of the three routers after two polls one interval apart (so rates exist):
    /// the fleetrouter doubled its counters, the uWSGI router served 3 more requests per node,
    /// the third router refused both polls. The clock should stand at `epoch` + 1.
    public static func snapshot(configuration: FleetSnapshot.Configuration = .init()) -> FleetSnapshot {
        var snapshot = FleetSnapshot(endpoints: endpoints, configuration: configuration)
        let first = FleetInstant(secondsSinceEpoch: epoch)
        let second = first + configuration.interval
        var uwsgiLater = uwsgiHTTPAfterRequests()
        if var slot = uwsgiLater.subscriptions?.first {
            for index in slot.nodes.indices {
                slot.nodes[index].requests += 3
                slot.nodes[index].tx += 291
                slot.nodes[index].rx += 800
            }
            slot.hits += 9
            uwsgiLater.subscriptions = [slot]
        }
        snapshot.recordSuccess(fleetrouterHTTP(), for: fleetrouterID, at: first)
        snapshot.recordSuccess(uwsgiHTTPAfterRequests(), for: uwsgiID, at: first)
        snapshot.recordFailure(unreachableError, for: unreachableID, at: first)
        snapshot.recordSuccess(fleetrouterHTTP(requestsScale: 2), for: fleetrouterID, at: second)
        snapshot.recordSuccess(uwsgiLater, for: uwsgiID, at: second)
        snapshot.recordFailure(unreachableError, for: unreachableID, at: second)
        return snapshot
    }

    /// A fake control serving the latest canned documents, with the third router unreachable.
    public static func fakeControl() -> FakeFleetControl {
        FakeFleetControl(
            documents: [fleetrouterID: fleetrouterHTTP(requestsScale: 2), uwsgiID: uwsgiHTTPAfterRequests()],
            pollErrors: [unreachableID: unreachableError])
    }
}
