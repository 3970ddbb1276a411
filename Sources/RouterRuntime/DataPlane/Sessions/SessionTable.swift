import NIOCore

/// The most recent client sessions of one router, for the stats server's `sessions` list.
///
/// Each worker of the router's transport owns a ring of records that only its connections
/// touch, so counting bytes is a plain field update on the worker; a snapshot hops onto every
/// worker (`DataPlaneWorker.run`) and copies its ring. Nothing here knows an event loop.
public final class SessionTable: Sendable {
    private let rings: [WorkerBound<SessionRing>]
    /// The workers the rings belong to, in the transport's order (a worker's index is its id).
    public let workers: [any DataPlaneWorker]

    /// Creates a table keeping up to `capacity` sessions, split over `workers`.
    public init(workers: [any DataPlaneWorker], capacity: Int = 256) {
        precondition(!workers.isEmpty, "a transport has at least one worker")
        let perWorker = max(1, capacity / workers.count)
        self.rings = workers.map { _ in WorkerBound(SessionRing(capacity: perWorker)) }
        self.workers = workers
    }

    /// Records a new session of the client at `client`, accepted on the listener at `local`;
    /// must be called on worker `worker` (its index in `workers`). An index outside the table
    /// gets an untracked record.
    func open(worker: Int, client: SocketAddress?, local: SocketAddress? = nil) -> SessionRecord {
        let record = SessionRecord(client: client, local: local)
        guard rings.indices.contains(worker) else { return record }
        assert(workers[worker].isCurrent, "a session is opened on the worker that runs it")
        rings[worker].value.insert(record)
        return record
    }

    /// Copies every worker's sessions, worker by worker, newest first within each.
    public func snapshot() async throws -> [SessionSnapshot] {
        let now = NIODeadline.now()
        var sessions: [SessionSnapshot] = []
        for (worker, ring) in zip(workers, rings) {
            sessions += try await worker.run { ring.value.snapshot(now: now) }
        }
        return sessions
    }
}

/// A value only one worker touches, shared with the others by reference: the compiler cannot
/// check the rule, so every access is on the owning worker (`SessionTable.open` asserts it,
/// `snapshot` hops there).
final class WorkerBound<Value>: @unchecked Sendable {
    /// The value; read and written on the owning worker only.
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}

/// One worker's ring of session records.
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

/// One client session's live counters, touched only on the worker that runs it.
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
