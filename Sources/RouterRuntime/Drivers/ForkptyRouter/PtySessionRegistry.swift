import NIOCore
import RouterWire
import NIOConcurrencyHelpers
import Synchronization

/// The live pty sessions of one forkpty router, for its stats (`sessions`: client, pid,
/// command, age, bytes each way) and for kicking one. Sessions add themselves once their child
/// runs and remove themselves when finished; byte counts are atomics the session's event loop
/// bumps without a lock. Attached to the router's engine, it puts the sessions in the stats
/// (and their count in `active_sessions`, as uWSGI's forkptyrouter counts) and kicks them.
final class PtySessionRegistry: RouterKindAttachment {
    /// One listed session.
    final class Entry: Sendable {
        /// The registry's id of the session.
        let id: UInt64
        /// The client as stats show it (`127.0.0.1:port`, `[::1]:port`, a unix path).
        let client: String
        /// The child's pid.
        let pid: Int32
        /// The command as configured.
        let command: String
        /// When the session started.
        let started: NIODeadline
        /// Bytes sent to the client (pty output).
        let tx = Atomic<UInt64>(0)
        /// Bytes received from the client.
        let rx = Atomic<UInt64>(0)
        /// Closes the session's client on its event loop.
        let kick: @Sendable () -> Void

        init(id: UInt64, client: String, pid: Int32, command: String, started: NIODeadline, kick: @escaping @Sendable () -> Void) {
            self.id = id
            self.client = client
            self.pid = pid
            self.command = command
            self.started = started
            self.kick = kick
        }
    }

    private let entries = NIOLockedValueBox<(next: UInt64, open: [UInt64: Entry])>((0, [:]))

    /// Lists a session whose child runs.
    func add(client: String, pid: Int32, command: String, kick: @escaping @Sendable () -> Void) -> Entry {
        entries.withLockedValue { state in
            state.next += 1
            let entry = Entry(id: state.next, client: client, pid: pid, command: command, started: .now(), kick: kick)
            state.open[entry.id] = entry
            return entry
        }
    }

    /// Unlists a finished session.
    func remove(_ entry: Entry) {
        _ = entries.withLockedValue { $0.open.removeValue(forKey: entry.id) }
    }

    /// The sessions listed now, oldest first.
    var sessions: [Entry] {
        entries.withLockedValue { Array($0.open.values) }.sorted { $0.id < $1.id }
    }

    /// Kicks the session whose child is `pid`; false when there is none.
    func kickSession(pid: UInt64) -> Bool {
        guard let entry = entries.withLockedValue({ $0.open.values.first { UInt64($0.pid) == pid } }) else { return false }
        entry.kick()
        return true
    }

    /// Lists the pty sessions as the document's `sessions` and counts them in `active_sessions`.
    func amend(_ document: inout StatsDocument) {
        let sessions = statsSessions()
        document.sessions = sessions
        document.activeSessions = UInt64(sessions.count)
    }

    /// The stats entries of the listed sessions.
    func statsSessions(now: NIODeadline = .now()) -> [StatsDocument.Session] {
        sessions.map { entry in
            var session = StatsDocument.Session(
                client: entry.client, key: "", node: "",
                age: UInt64(max(0, (now - entry.started).nanoseconds / 1_000_000_000)),
                tx: entry.tx.load(ordering: .relaxed), rx: entry.rx.load(ordering: .relaxed), state: "pty")
            session.pid = UInt64(entry.pid)
            session.command = entry.command
            return session
        }
    }
}
