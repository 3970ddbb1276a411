import RouterWire
@testable import FleetModel

/// Small document builders for tests.
enum Docs {
    static func node(_ name: String, requests: UInt64 = 0, tx: UInt64 = 0, rx: UInt64 = 0,
                     lastCheck: UInt64 = 1_795_909_900, ref: UInt64 = 0, deathMark: UInt64 = 0) -> StatsDocument.Node {
        StatsDocument.Node(name: name, lastCheck: lastCheck, requests: requests, tx: tx, rx: rx, ref: ref, deathMark: deathMark)
    }

    static func uwsgi(pid: UInt64 = 100, slots: [(String, UInt64, [StatsDocument.Node])],
                      statics: [StatsDocument.StaticNode]? = nil) -> StatsDocument {
        StatsDocument(
            version: "2.0.21", pid: pid, cwd: "/", activeSessions: 0,
            listeners: .init(routerName: "http", addresses: ["127.0.0.1:8080"]),
            staticNodes: statics,
            subscriptions: slots.map { StatsDocument.Slot(key: $0.0, hash: 1, hits: $0.1, nodes: $0.2) })
    }

    static let endpoint = RouterEndpoint(name: "r", stats: .tcp(host: "127.0.0.1", port: 9191))
    static let id = RouterID("r")
}
