import Dashboard
import FleetModel
import Foundation
import TUICore
@testable import FleetApp
import TUICoreTesting

/// One step of a scripted dashboard session.
enum ScriptStep: Sendable {
    /// Deliver a key.
    case key(Key)
    /// Type each character of the text.
    case type(String)
    /// Wait (bounded) until the inbox counts satisfy the predicate.
    case waitFor(@Sendable (EventInbox.Counts) -> Bool)
    /// Record the screen as last drawn.
    case capture
    /// Record the screen after each new snapshot until `done` holds for it, at most `limit` times.
    case captureUntil(limit: Int, done: @Sendable (String) -> Bool)
    /// Do something outside the dashboard (release what a node holds, say).
    case run(@Sendable () -> Void)
}

/// Plays a script as the dashboard's input; waits block on the inbox's condition, not sleeps.
final class ScriptedInput: InputSource {
    private var steps: [ScriptStep]
    private var typing: [Character] = []
    private let inbox: EventInbox
    private let backend: TestBackend
    private(set) var captures: [String] = []
    private(set) var waitsTimedOut = 0
    private(set) var idleCalls = 0

    init(_ steps: [ScriptStep], inbox: EventInbox, backend: TestBackend) {
        self.steps = steps
        self.inbox = inbox
        self.backend = backend
    }

    func nextEvent(timeout: Duration?) -> KeyEvent? {
        if !typing.isEmpty { return .key(.char(typing.removeFirst())) }
        guard !steps.isEmpty else {
            idleCalls += 1
            return nil
        }
        switch steps.removeFirst() {
        case let .key(key): return .key(key)
        case let .type(text):
            typing = Array(text)
            return typing.isEmpty ? nil : .key(.char(typing.removeFirst()))
        case let .waitFor(predicate):
            if !inbox.wait(timeout: .seconds(60), until: predicate) { waitsTimedOut += 1 }
        case .capture:
            captures.append(backend.text)
        case let .captureUntil(limit, done):
            // The frame drawn after the last wait is on screen now.
            if let last = captures.last, done(last) { return nil }
            guard limit > 0 else { return nil }
            let target = inbox.postedCounts.snapshots + 1
            if !inbox.wait(timeout: .seconds(60), until: { $0.snapshots >= target }) { waitsTimedOut += 1 }
            steps.insert(.capture, at: 0)
            steps.insert(.captureUntil(limit: limit - 1, done: done), at: 1)
        case let .run(action):
            action()
        }
        return nil
    }
}

/// What a finished session left behind.
struct SessionResult: Sendable {
    var captures: [String]
    var screen: String
    var waitsTimedOut: Int
    var editsStarted: Int
}

/// Runs the real UI loop (FleetPollerSource over `control`) on its own thread with `TestBackend`
/// at 160×40 until the script ends; `q` is appended.
func runSession(
    _ steps: [ScriptStep], control: any FleetControl, endpoints: [RouterEndpoint], interval: Double
) async -> SessionResult {
    await withCheckedContinuation { continuation in
        Thread {
            let clock = SystemFleetClock()
            let inbox = EventInbox()
            let backend = TestBackend(width: 160, height: 40)
            let configuration = FleetSnapshot.Configuration(interval: interval)
            let polling = FleetPollerSource(control: control, endpoints: endpoints, configuration: configuration, clock: clock)
            let state = DashboardState(
                snapshot: FleetSnapshot(endpoints: endpoints, configuration: configuration),
                size: backend.size, now: clock.now(), options: .init())
            let input = ScriptedInput(steps + [.key(.char("q"))], inbox: inbox, backend: backend)
            let loop = AppLoop(
                terminal: Terminal(backend: backend), input: input, state: state, control: control,
                polling: polling, inbox: inbox, clock: clock,
                options: .init(inputTimeout: .milliseconds(1)),
                interrupted: { input.idleCalls > 1_000 })
            _ = loop.run()
            continuation.resume(returning: SessionResult(
                captures: input.captures, screen: backend.text, waitsTimedOut: input.waitsTimedOut,
                editsStarted: loop.statistics.editsStarted))
        }.start()
    }
}
