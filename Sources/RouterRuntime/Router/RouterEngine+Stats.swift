import NIOConcurrencyHelpers
import NIOCore
import RouterCore
import RouterWire

extension RouterEngine: StatsSource {
    /// The stats document in uWSGI's pretty layout, so uWSGI-style readers parse it.
    public func encodedStats() async throws -> ByteBuffer {
        let document = try await statsDocument()
        var buffer = ByteBuffer()
        document.encodeJSON(into: &buffer, style: .pretty)
        return buffer
    }

    /// The stats document: RouterCore's snapshot with the process identity, the live sessions
    /// (from the data plane's session table) and their count, and the refused-connection and
    /// subscription-drop counters.
    public func statsDocument() async throws -> StatsDocument {
        let live = try await liveSessions()
        let entries = live.map(StatsDocument.Session.init(snapshot:))
        var document = core.withLockedValue { core in
            core.state.statsDocument(identity: identity, activeSessions: UInt64(live.count), sessions: entries)
        }
        if let admin = boundAdmin.withLockedValue({ $0 }) { document.admin = admin }
        let refused = refusedConnections
        document.refusedConnections = refused.data &+ refused.stats
        document.subscriptionDrops = subscriptionDrops
        return document
    }

    /// The sessions not yet closed, from every routing loop.
    public func liveSessions() async throws -> [SessionSnapshot] {
        try await sessions.snapshot().filter { $0.state != .closed }
    }
}

extension StatsDocument.Session {
    /// The stats entry for one data-plane session.
    init(snapshot: SessionSnapshot) {
        let phase: String
        switch snapshot.state {
        case .waiting: phase = "headers"
        case .connecting: phase = "connecting"
        case .relaying: phase = "relaying"
        case .closed: phase = "closing"
        }
        self.init(
            client: snapshot.client, key: snapshot.key, node: snapshot.node,
            age: UInt64(max(0, snapshot.age.nanoseconds / 1_000_000_000)),
            tx: snapshot.tx, rx: snapshot.rx, state: phase)
    }
}
