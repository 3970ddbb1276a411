import NIOCore

/// The most recent client sessions of one router, for the stats server's `sessions` list.
///
/// Each event loop owns a ring of records that only its connections touch, so counting bytes
/// is a plain field update on the loop; a snapshot hops to every loop and copies its ring.
public final class SessionTable: Sendable {
    private let rings: [ObjectIdentifier: NIOLoopBoundBox<SessionRing>]
    private let loops: [any EventLoop]

    /// Creates a table keeping up to `capacity` sessions, split over the group's loops.
    public init(group: any EventLoopGroup, capacity: Int = 256) {
        var loops: [any EventLoop] = []
        for loop in group.makeIterator() { loops.append(loop) }
        let perLoop = max(1, capacity / max(1, loops.count))
        var rings: [ObjectIdentifier: NIOLoopBoundBox<SessionRing>] = [:]
        for loop in loops {
            rings[ObjectIdentifier(loop)] = NIOLoopBoundBox.makeBoxSendingValue(
                SessionRing(capacity: perLoop), as: SessionRing.self, eventLoop: loop)
        }
        precondition(!loops.isEmpty, "an EventLoopGroup has at least one loop")
        self.rings = rings
        self.loops = loops
    }

    /// Records a new session of the client at `client`, accepted on the listener at `local`;
    /// must be called on `loop`. Loops outside the group get an untracked record.
    func open(on loop: any EventLoop, client: SocketAddress?, local: SocketAddress? = nil) -> SessionRecord {
        let record = SessionRecord(client: client, local: local)
        rings[ObjectIdentifier(loop)]?.value.insert(record)
        return record
    }

    /// Copies every loop's sessions, newest first within each loop.
    public func snapshot() -> EventLoopFuture<[SessionSnapshot]> {
        let first = loops[0]
        let now = NIODeadline.now()
        let futures = loops.map { loop in
            let ring = rings[ObjectIdentifier(loop)]
            return loop.submit { ring?.value.snapshot(now: now) ?? [] }
        }
        return EventLoopFuture.whenAllSucceed(futures, on: first).map { $0.flatMap { $0 } }
    }
}

/// One loop's ring of session records.
final class SessionRing {
    private var records: [SessionRecord?]
    private var next = 0

    init(capacity: Int) {
        records = Array(repeating: nil, count: capacity)
    }

    func insert(_ record: SessionRecord) {
        records[next] = record
        next = (next + 1) % records.count
    }

    func snapshot(now: NIODeadline) -> [SessionSnapshot] {
        var out: [SessionSnapshot] = []
        for k in 0..<records.count {
            let index = (next - 1 - k + 2 * records.count) % records.count
            if let record = records[index] { out.append(record.snapshot(now: now)) }
        }
        return out
    }
}

/// One client session's live counters, touched only on its event loop.
final class SessionRecord {
    let client: SocketAddress?
    /// The listener's address, which names a unix client that has no path of its own.
    let local: SocketAddress?
    let started = NIODeadline.now()
    var key = ByteBuffer()
    var node: NodeEndpoint?
    /// Bytes sent to the client.
    var tx: UInt64 = 0
    /// Bytes received from the client.
    var rx: UInt64 = 0
    var requests = 0
    var state = SessionState.waiting

    init(client: SocketAddress?, local: SocketAddress? = nil) {
        self.client = client
        self.local = local
    }

    /// The client as stats and logs show it (`127.0.0.1:port`, `[::1]:port`, a unix path).
    var clientName: String { SessionClientAddress.describe(remote: client, local: local) }

    func snapshot(now: NIODeadline) -> SessionSnapshot {
        SessionSnapshot(
            client: clientName,
            key: String(decoding: key.readableBytesView, as: UTF8.self),
            node: node?.name ?? "",
            age: now - started,
            tx: tx,
            rx: rx,
            requests: requests,
            state: state
        )
    }
}

/// A session as the stats document shows it.
public struct SessionSnapshot: Sendable, Hashable {
    /// The client's address: `127.0.0.1:port`, `[::1]:port` or a unix socket's path.
    public var client: String
    /// The routing key of the latest request.
    public var key: String
    /// The node of the latest request (empty before the first).
    public var node: String
    /// Time since the client connected.
    public var age: TimeAmount
    /// Bytes sent to the client.
    public var tx: UInt64
    /// Bytes received from the client.
    public var rx: UInt64
    /// Requests served on this connection.
    public var requests: Int
    /// Where the session is now.
    public var state: SessionState
}

/// Where a session is in its life.
public enum SessionState: String, Sendable, Hashable {
    /// Waiting for (the rest of) a request head or key.
    case waiting
    /// Connecting to a node.
    case connecting
    /// Relaying between client and node.
    case relaying
    /// Closed.
    case closed
}
