import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The channels the demo fleet opened (its clients' connections and its nodes' accepted ones),
/// so stopping the demo closes every one at once instead of waiting for each loop to notice it
/// was cancelled, for a stream to end, or for a time limit.
///
/// Once `closeAll()` has run, a channel added later (a connect that was still in flight) is
/// closed as it is added, and no new exchange may begin. The exchanges in flight are counted,
/// and the demo's event loops are shut down only once none of them still needs a loop
/// (`shutDown(_:whenIdle:)`): a connect handed to a loop that has shut down never completes,
/// so its task, channel, promises and the loop itself would leak, and NIO reports the task it
/// dropped. A demo's stop does not wait for that: on a starved machine the last exchange may
/// take its time to see its channel closed, and the group then shuts down as it ends.
final class DemoChannels: Sendable {
    private struct State {
        var open: [ObjectIdentifier: any Channel] = [:]
        var closed = false
        var inFlight = 0
        /// Runs when the last exchange in flight ends (the loops' shutdown).
        var whenIdle: (@Sendable () -> Void)?
    }

    /// A pthread mutex (`NIOLockedValueBox`), not `Synchronization.Mutex`: the loops' threads
    /// and the demo's tasks contend for it, and ThreadSanitizer does not see a contended
    /// `Mutex`'s hand-over through the kernel (`FUTEX_LOCK_PI`), so it reported the state as raced.
    private let state = NIOLockedValueBox(State())

    /// Tracks `channel` until it closes; closes it at once after `closeAll()`.
    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let accepted = state.withLockedValue { state -> Bool in
            guard !state.closed else { return false }
            state.open[id] = channel
            return true
        }
        guard accepted else {
            channel.close(promise: nil)
            return
        }
        // The table, not `self`, and strongly: the channel holds it only until it closes. A
        // weak reference would give this object a side table that LeakSanitizer cannot see
        // from the object, and reports as leaked when the object outlives the reference.
        channel.closeFuture.whenComplete { [state] _ in
            state.withLockedValue { _ = $0.open.removeValue(forKey: id) }
        }
    }

    /// Closes every tracked channel and every one added from now on; returns once all that
    /// were open have closed (each close is local, so this takes no longer than the loops
    /// need to run it).
    func closeAll() async {
        let open = state.withLockedValue { state -> [any Channel] in
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
        state.withLockedValue { state in
            guard !state.closed else { return false }
            state.inFlight += 1
            return true
        }
    }

    /// Ends an exchange `begin()` counted.
    func end() {
        let idle = state.withLockedValue { state -> (@Sendable () -> Void)? in
            state.inFlight -= 1
            guard state.inFlight == 0 else { return nil }
            defer { state.whenIdle = nil }
            return state.whenIdle
        }
        idle?()
    }

    /// Shuts `group` down once no exchange is in flight (at once when none is), then calls
    /// `done`. Call it after `closeAll()`, so no exchange begins any more.
    func shutDown(_ group: MultiThreadedEventLoopGroup, whenIdle done: @escaping @Sendable () -> Void) {
        let shutDown: @Sendable () -> Void = {
            group.shutdownGracefully(queue: .global()) { _ in done() }
        }
        let idle = state.withLockedValue { state -> Bool in
            guard state.inFlight > 0 else { return true }
            state.whenIdle = shutDown
            return false
        }
        if idle { shutDown() }
    }

    /// How many channels are open now (for tests).
    var openCount: Int { state.withLockedValue { $0.open.count } }
}
