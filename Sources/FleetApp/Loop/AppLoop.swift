import Dashboard
import FleetModel
import TUICore

/// The dashboard's UI loop: waits briefly for a key, drains the inbox, runs the reducer,
/// performs its effects and draws a frame when the state changed.
///
/// Threading: `run` and everything it calls stay on the caller's thread (curses is not
/// thread-safe). The poller and edits run in tasks and only ever `post` to the inbox.
public final class AppLoop<Backend: TerminalBackend> {
    /// Tunables.
    public struct Options: Sendable {
        /// Exit after this many frames (`--max-frames`).
        public var maxFrames: Int?
        /// How long one wait for input lasts; also the longest delay before a poll result shows.
        public var inputTimeout: Duration

        /// Creates options.
        public init(maxFrames: Int? = nil, inputTimeout: Duration = .milliseconds(100)) {
            self.maxFrames = maxFrames
            self.inputTimeout = inputTimeout
        }
    }

    /// Why `run` returned.
    public enum ExitReason: Sendable, Hashable {
        /// `q` (or the quit binding).
        case quit
        /// Ctrl-C (SIGINT).
        case interrupted
        /// `--max-frames` frames were drawn.
        case frameLimit
    }

    /// Counters for tests and diagnostics.
    public struct Statistics: Sendable, Hashable {
        /// Frames drawn.
        public var frames = 0
        /// Edits handed to the control.
        public var editsStarted = 0
        /// Events given to the reducer.
        public var events = 0
    }

    /// The dashboard state (read it after `run` to see the last frame's state).
    public private(set) var state: DashboardState
    /// The terminal frames are drawn to.
    public let terminal: Terminal<Backend>
    /// Counters.
    public private(set) var statistics = Statistics()

    private let input: any InputSource
    private let control: any FleetControl
    private let polling: any PollingSource
    private let inbox: EventInbox
    private let clock: any FleetClock
    private let options: Options
    private let interrupted: () -> Bool
    private var lastTickSecond: Double
    /// What the polling source was last told to work out with each snapshot.
    private var preparation = SnapshotPreparation()

    /// Creates a loop; nothing runs until `run`.
    ///
    /// - Parameters:
    ///   - interrupted: polled once per iteration; true ends the loop as `.interrupted`.
    public init(
        terminal: Terminal<Backend>, input: any InputSource, state: DashboardState, control: any FleetControl,
        polling: any PollingSource, inbox: EventInbox = EventInbox(), clock: any FleetClock,
        options: Options = Options(), interrupted: @escaping () -> Bool = { false }
    ) {
        self.terminal = terminal
        self.input = input
        self.state = state
        self.control = control
        self.polling = polling
        self.inbox = inbox
        self.clock = clock
        self.options = options
        self.interrupted = interrupted
        self.lastTickSecond = state.now.secondsSinceEpoch.rounded(.down)
        terminal.palette = state.theme.palette
    }

    /// Runs until quit, interrupt or the frame limit; starts and stops the poller.
    public func run() -> ExitReason {
        let inbox = self.inbox
        preparation = state.snapshotPreparation
        polling.setPreparation(preparation)
        polling.start { snapshot in inbox.post(.snapshotUpdated(snapshot)) }
        defer { polling.stop() }
        if let reason = draw() { return reason }
        // Ends by quit, interrupt or frame limit; each pass waits at most `inputTimeout`.
        while true {
            if interrupted() { return .interrupted }
            var events: [DashboardEvent] = []
            if let event = input.nextEvent(timeout: options.inputTimeout) { events.append(DashboardEvent(event)) }
            events += inbox.drain()
            let now = clock.now()
            let second = now.secondsSinceEpoch.rounded(.down)
            if second != lastTickSecond {
                lastTickSecond = second
                events.append(.tick(now))
            }
            guard !events.isEmpty else { continue }
            let before = state
            for event in events {
                statistics.events += 1
                for effect in DashboardReducer.update(state: &state, event: event) {
                    if perform(effect) { return .quit }
                }
            }
            // Poll results, replies and ticks nearly always change what is shown; comparing
            // whole fleet snapshots to find out would cost more than the frame's diff.
            let changed = events.contains { if case .key = $0 { return false } else { return true } } || state != before
            // The Fleet view changed (sort, filter, grouping, a group folded) or the key view
            // opened or closed: the poller works out what is shown with the next snapshots.
            let wanted = state.snapshotPreparation
            if wanted != preparation {
                preparation = wanted
                polling.setPreparation(wanted)
            }
            let reason = changed ? draw() : nil
            // The replaced state may hold the only reference to the previous fleet snapshot:
            // freeing it here would cost the next frame milliseconds for a big fleet.
            BackgroundRelease.release(consume before)
            if let reason { return reason }
        }
    }

    /// Carries out one effect; true means quit.
    private func perform(_ effect: DashboardEffect) -> Bool {
        switch effect {
        case let .apply(plan):
            startEdit(plan)
        case let .trustAdminAddress(address, router):
            control.trustAdminAddress(address, for: router)
        case .refreshNow:
            polling.refreshNow()
        case let .setPaused(paused):
            polling.setPaused(paused)
        case .quit:
            return true
        case let .switchTheme(theme):
            terminal.palette = theme.palette
        }
        return false
    }

    private func startEdit(_ plan: PlannedEdit) {
        guard let endpoint = state.snapshot[plan.router]?.endpoint else {
            inbox.post(.editFinished(plan, .failed(error: "router \(plan.router) is not in the fleet")))
            return
        }
        statistics.editsStarted += 1
        let control = self.control
        let inbox = self.inbox
        Task.detached {
            let outcome: EditOutcome
            do {
                outcome = try await control.apply(plan.edit, to: endpoint, reach: plan.reach)
            } catch {
                outcome = .failed(error: String(describing: error))
            }
            inbox.post(.editFinished(plan, outcome))
        }
    }

    /// Draws a frame; returns `.frameLimit` when it was the last one allowed.
    private func draw() -> ExitReason? {
        let state = self.state
        terminal.draw { DashboardView.render(state, into: &$0) }
        statistics.frames += 1
        if let limit = options.maxFrames, statistics.frames >= limit { return .frameLimit }
        return nil
    }
}
