import NIOCore
import Synchronization

/// The channels the demo fleet opened (its clients' connections and its nodes' accepted ones),
/// so stopping the demo closes every one at once instead of waiting for each loop to notice it
/// was cancelled, for a stream to end, or for a time limit.
///
/// Once `closeAll()` has run, a channel added later (a connect that was still in flight) is
/// closed as it is added.
final class DemoChannels: Sendable {
    private struct State {
        var open: [ObjectIdentifier: any Channel] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    /// Tracks `channel` until it closes; closes it at once after `closeAll()`.
    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let accepted = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.open[id] = channel
            return true
        }
        guard accepted else {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.state.withLock { _ = $0.open.removeValue(forKey: id) }
        }
    }

    /// Closes every tracked channel and every one added from now on; returns once all that
    /// were open have closed (each close is local, so this takes no longer than the loops
    /// need to run it).
    func closeAll() async {
        let open = state.withLock { state -> [any Channel] in
            state.closed = true
            defer { state.open = [:] }
            return Array(state.open.values)
        }
        for channel in open { channel.close(promise: nil) }
        for channel in open { try? await channel.closeFuture.get() }
    }

    /// How many channels are open now (for tests).
    var openCount: Int { state.withLock { $0.open.count } }
}
