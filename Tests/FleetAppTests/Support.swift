import Dashboard
import FleetModel
import FleetModelTesting
import Foundation
import TUICore
@testable import FleetApp
import TUICoreTesting

/// One step of a scripted session.
enum ScriptStep: Sendable {
    /// Deliver a key.
    case key(Key)
    /// Deliver a resize.
    case resize(Size)
    /// Wait (bounded) until the inbox counts satisfy the predicate, then report no input.
    case waitFor(@Sendable (EventInbox.Counts) -> Bool)
}

/// An `InputSource` playing a script; a `waitFor` step blocks on the inbox's condition (no
/// sleeping), so background results are in the inbox when the loop next drains it.
final class ScriptedInput: InputSource {
    private var steps: [ScriptStep]
    private let inbox: EventInbox
    private let backend: TestBackend
    private(set) var waitsTimedOut = 0
    private(set) var idleCalls = 0

    init(_ steps: [ScriptStep], inbox: EventInbox, backend: TestBackend) {
        self.steps = steps
        self.inbox = inbox
        self.backend = backend
    }

    var isExhausted: Bool { steps.isEmpty }

    func nextEvent(timeout: Duration?) -> KeyEvent? {
        guard !steps.isEmpty else {
            idleCalls += 1
            return nil
        }
        switch steps.removeFirst() {
        case let .key(key): return .key(key)
        case let .resize(size):
            // A real terminal has its new size by the time curses reports the resize.
            backend.size = size
            return .resize(size)
        case let .waitFor(predicate):
            if !inbox.wait(timeout: .seconds(60), until: predicate) { waitsTimedOut += 1 }
            return nil
        }
    }
}

/// What a finished session left behind (all values, so it can cross threads).
struct SessionResult: Sendable {
    var reason: AppLoop<TestBackend>.ExitReason
    var statistics: AppLoop<TestBackend>.Statistics
    var screen: String
    var waitsTimedOut: Int
    var inputExhausted: Bool
}

/// Runs the UI loop on its own thread (as the real one runs on the main thread), so blocking
/// waits never hold a thread of Swift's cooperative pool that the poller needs.
func runSession(
    _ steps: [ScriptStep], control: FakeFleetControl, readOnly: Bool = false, maxFrames: Int? = nil,
    size: Size = Size(width: 120, height: 40)
) async -> SessionResult {
    await withCheckedContinuation { continuation in
        let thread = Thread {
            let clock = ManualFleetClock(start: CannedFleets.epoch)
            let inbox = EventInbox()
            let backend = TestBackend(width: size.width, height: size.height)
            let configuration = FleetSnapshot.Configuration(interval: 3600)
            let polling = FleetPollerSource(
                control: control, endpoints: CannedFleets.endpoints, configuration: configuration, clock: clock)
            let state = DashboardState(
                snapshot: FleetSnapshot(endpoints: CannedFleets.endpoints, configuration: configuration),
                size: backend.size, now: clock.now(), options: .init(readOnly: readOnly))
            let input = ScriptedInput(steps, inbox: inbox, backend: backend)
            let loop = AppLoop(
                terminal: Terminal(backend: backend), input: input, state: state, control: control,
                polling: polling, inbox: inbox, clock: clock,
                options: .init(maxFrames: maxFrames, inputTimeout: .milliseconds(1)),
                interrupted: { input.idleCalls > 1_000 })
            let reason = loop.run()
            continuation.resume(returning: SessionResult(
                reason: reason, statistics: loop.statistics, screen: backend.text,
                waitsTimedOut: input.waitsTimedOut, inputExhausted: input.isExhausted))
        }
        thread.start()
    }
}
