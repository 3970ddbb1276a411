import NIOCore
import Synchronization

/// The channels the demo fleet opened (its clients' connections and its nodes' accepted ones),
/// so stopping the demo closes every one at once instead of waiting for each loop to notice it
/// was cancelled, for a stream to end, or for a time limit.
///
/// Once `closeAll()` has run, a channel added later (a connect that was still in flight) is
/// closed as it is added, and no new exchange may begin. The exchanges in flight are counted,
/// so the demo's stop shuts its event loops down only once none of them still needs a loop (a
/// connect handed to a loop that has shut down never completes, and its channel, promises and
/// the loop itself would leak).
final class DemoChannels: Sendable {
    private struct State {
        var open: [ObjectIdentifier: any Channel] = [:]
        var closed = false
        var inFlight = 0
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

    /// Counts an exchange that is about to connect; false (and nothing counted) once
    /// `closeAll()` has run, so no connect starts while the demo stops.
    func begin() -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.inFlight += 1
            return true
        }
    }

    /// Ends an exchange `begin()` counted.
    func end() {
        state.withLock { $0.inFlight -= 1 }
    }

    /// Returns once no exchange is in flight, or after `limit` (a caller that stops waiting
    /// earlier leaves no poll running for longer).
    func waitForExchanges(limit: Duration = .seconds(30)) async {
        let deadline = ContinuousClock.now + limit
        while state.withLock({ $0.inFlight > 0 }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// How many channels are open now (for tests).
    var openCount: Int { state.withLock { $0.open.count } }
}
