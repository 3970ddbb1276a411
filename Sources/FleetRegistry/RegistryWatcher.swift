import Logging

/// Follows the records under a prefix (the routers registered, the fleet intents): one full
/// read, then a watch from the revision after it. A lost watch resumes from the last revision applied plus one,
/// so no event is missed; a compacted one re-reads the prefix. Failures back off from 200 ms
/// to 5 s and never end the watcher; only `stop()` (or cancelling the consumer) does.
public final class RegistryWatcher<Record: RegistryRecord>: Sendable {
    /// One view of the fleet, delivered after every change.
    public struct View: Sendable, Hashable {
        /// The records, sorted by name.
        public var records: [Record]
        /// Each record's last write, by name.
        public var revisions: [String: Int64]
        /// The revision the view is complete up to.
        public var revision: Int64
        /// What changed since the previous view.
        public var changes: [RegistryMembership<Record>.Change]
    }

    /// Every view, newest first kept when the consumer is slow (only the latest matters).
    public let views: AsyncStream<View>
    /// Problems (unreachable cluster, rejected records), for the status line and logs.
    public let problems: AsyncStream<String>
    private let task: Task<Void, Never>

    /// Starts watching the records under `prefix` (with its trailing `/`) through `client`.
    public init(prefix: String, client: EtcdClient, logger: Logger = Logger(label: "fleettop.registry")) {
        let (views, viewOut) = AsyncStream.makeStream(of: View.self, bufferingPolicy: .bufferingNewest(1))
        let (problems, problemOut) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(16))
        self.views = views
        self.problems = problems
        task = Task {
            await Self.run(prefix: prefix, client: client, logger: logger, views: viewOut, problems: problemOut)
            viewOut.finish()
            problemOut.finish()
        }
    }

    deinit {
        task.cancel()
    }

    /// Stops watching; `views` finishes.
    public func stop() {
        task.cancel()
    }

    private static func run(
        prefix: String, client: EtcdClient, logger: Logger,
        views: AsyncStream<View>.Continuation, problems: AsyncStream<String>.Continuation
    ) async {
        var membership = RegistryMembership<Record>(prefix: prefix)
        var needsRead = true
        var backoff = Backoff()
        var rejected = 0
        func deliver(_ changes: [RegistryMembership<Record>.Change], force: Bool = false) {
            if membership.rejected > rejected {
                problems.yield("\(membership.rejected - rejected) registry value(s) under \(prefix) are not valid; ignored")
                rejected = membership.rejected
            }
            guard force || !changes.isEmpty else { return }
            views.yield(View(records: membership.sortedRecords, revisions: membership.revisions,
                             revision: membership.revision, changes: changes))
        }
        while !Task.isCancelled {
            do {
                if needsRead {
                    let (kvs, revision) = try await client.range(prefix: prefix)
                    let first = membership.revision == 0
                    deliver(membership.reset(kvs, revision: revision), force: first)
                    needsRead = false
                }
                for try await update in client.watch(prefix: prefix, from: membership.revision + 1) {
                    switch update {
                    case .created:
                        backoff.reset()
                    case let .events(events, revision):
                        deliver(membership.apply(events, revision: revision))
                    case let .progress(revision):
                        membership.advance(to: revision)
                    case let .compacted(oldest):
                        logger.notice("registry watch compacted; reading the fleet again", metadata: ["oldest": "\(oldest)"])
                        needsRead = true
                    case let .canceled(reason):
                        problems.yield("registry watch ended by the cluster: \(reason)")
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                guard !Task.isCancelled else { return }
                problems.yield("registry \(prefix): \(error)")
                logger.warning("registry watch failed; retrying", metadata: ["error": "\(error)"])
            }
            guard !Task.isCancelled else { return }
            try? await Task.sleep(for: backoff.next())
        }
    }
}

/// Exponential backoff from 200 ms to 5 s.
struct Backoff: Sendable {
    private var current: Duration = .milliseconds(200)

    mutating func next() -> Duration {
        defer { current = min(current * 2, .seconds(5)) }
        return current
    }

    mutating func reset() {
        current = .milliseconds(200)
    }
}
