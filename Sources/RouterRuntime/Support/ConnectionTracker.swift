import NIOConcurrencyHelpers
import NIOCore

/// Keeps the accepted child channels of a stream listener so graceful shutdown can ask them to
/// finish (`ChannelShouldQuiesceEvent`), wait a bounded grace period, then close the rest.
public final class ConnectionTracker: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    /// Creates an empty tracker.
    public init() {}

    /// Starts tracking `channel` until it closes.
    public func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLockedValue { $0[id] = channel }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.channels.withLockedValue { _ = $0.removeValue(forKey: id) }
        }
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
