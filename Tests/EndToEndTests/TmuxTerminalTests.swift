import Foundation
import Testing

extension Trait where Self == ConditionTrait {
    /// Runs when tmux is installed and fleettop is built; in CI always (a missing one fails).
    static var requiresTmux: Self {
        .enabled(if: Prerequisites.tmuxEnabled, Comment(rawValue:
            "tmux is not installed or fleettop is not built; set CI=true to make this a failure"))
    }
}

@Suite("The real fleettop binary in tmux", .serialized, .timeLimit(.minutes(1)))
struct TmuxTerminalTests {
    /// Tests/tmux/fleettop-tmux.sh against the built binary and its embedded demo fleet at 120×40:
    /// the demo appears with `fastrouter` and `rawrouter` in full, `?` shows help and what to try,
    /// the HTTP router's connections screen lists a session within 10 s, Enter in a drain or
    /// cheap-mode dialog sends nothing while `y` applies it (the node shows draining, cheap mode
    /// shows on, for demo-fast alone), and `q` and Ctrl-C each leave echo, canonical mode and the normal screen
    /// restored. The script's waits are bounded (at most 15 s each, 10 s for the sessions); the
    /// script as a whole gets 50 s, inside the test's one-minute limit, and is stopped (SIGTERM,
    /// which also ends its tmux server) when either runs out.
    @Test("demo fleet: full kinds, help, live sessions, Enter-safe confirmations, clean exit",
          .requiresTmux, .timeLimit(.minutes(1)))
    func fleettopInTmux() async throws {
        _ = try Prerequisites.requireTmux()
        let binary = try FleettopBinary.require()
        let script = FleettopBinary.packageRoot.appendingPathComponent("Tests/tmux/fleettop-tmux.sh").path
        let (status, output) = try await ChildProcess.run("/bin/bash", [script, binary.path], timeout: .seconds(50))
        #expect(status == 0, "fleettop-tmux.sh failed:\n\(output)")
        for step in ["ok - demo fleet shown", "ok - kinds in full at 120x40", "ok - help",
                     "ok - connections screen lists live sessions", "ok - Enter cancels a drain",
                     "ok - drain with confirmation", "ok - c then Enter leaves cheap mode unchanged",
                     "ok - c then y changes cheap mode", "ok - cheap mode on demo-fast alone",
                     "ok - q leaves a clean terminal",
                     "ok - Ctrl-C leaves a clean terminal"] {
            #expect(output.contains(step), "missing '\(step)':\n\(output)")
        }
    }
}
