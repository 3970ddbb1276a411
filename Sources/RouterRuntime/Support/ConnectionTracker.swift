import NIOConcurrencyHelpers
import NIOCore

/// Keeps the accepted child channels of a stream listener so graceful shutdown can ask them to
/// finish (`ChannelShouldQuiesceEvent`), wait a bounded grace period, then close the rest.
public final class ConnectionTracker: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    /// Creates an empty tracker.
    public init() {}

    /// Starts tracking `channel` until it closes. With `limit`, a channel that would exceed
    /// it is not tracked, is counted as refused, and false is returned: the caller closes it.
    @discardableResult
    public func track(_ channel: any Channel, limit: ConnectionLimit? = nil) -> Bool {
        let id = ObjectIdentifier(channel)
        let admitted = channels.withLockedValue { open -> Bool in
            if let limit, open.count >= limit.maximum { return false }
            open[id] = channel
            return true
        }
        guard admitted else {
            limit?.recordRefused()
            return false
        }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.channels.withLockedValue { _ = $0.removeValue(forKey: id) }
        }
        return true
    }

    /// The number of open tracked channels.
    public var count: Int { channels.withLockedValue { $0.count } }

    /// Asks every open channel to finish its current exchange and close.
    public func quiesce() {
        for channel in channels.withLockedValue({ Array($0.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    /// Waits until every tracked channel has closed, or `grace` has passed, then closes the
    /// stragglers and waits for those closes (which complete promptly).
    public func drain(grace: TimeAmount) async {
        let open = channels.withLockedValue { Array($0.values) }
        guard !open.isEmpty else { return }
        let allClosed = open.map { channel in Task { try? await channel.closeFuture.get() } }
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for task in allClosed { await task.value }
                return true
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(max(0, grace.nanoseconds)))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !finished {
            for channel in channels.withLockedValue({ Array($0.values) }) {
                try? await channel.close()
            }
        }
        for task in allClosed { await task.value }
    }
}
