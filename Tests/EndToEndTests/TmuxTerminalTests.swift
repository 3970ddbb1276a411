import Foundation
import Testing

extension Trait where Self == ConditionTrait {
    /// Runs when tmux is installed and fleettop is built; in CI always (a missing one fails).
    static var requiresTmux: Self {
        .enabled(if: Prerequisites.tmuxEnabled, Comment(rawValue:
            "tmux is not installed or fleettop is not built; set CI=true to make this a failure"))
    }
}

@Suite("The real fleettop binary in tmux", .serialized, .timeLimit(.minutes(3)))
struct TmuxTerminalTests {
    /// Tests/tmux/fleettop-tmux.sh against the built binary and its embedded demo fleet: the demo
    /// appears, `?` shows help, a confirmed drain makes the node draining then drained, and `q`
    /// and Ctrl-C each leave echo, canonical mode and the normal screen restored. The script's
    /// waits are bounded (about 15 s each); this bounds the whole run.
    @Test("demo fleet, help, confirmed drain, clean exit on q and Ctrl-C", .requiresTmux)
    func fleettopInTmux() async throws {
        _ = try Prerequisites.requireTmux()
        let binary = try FleettopBinary.require()
        let script = FleettopBinary.packageRoot.appendingPathComponent("Tests/tmux/fleettop-tmux.sh").path
        let (status, output) = try await ChildProcess.run("/bin/bash", [script, binary.path], timeout: .seconds(150))
        #expect(status == 0, "fleettop-tmux.sh failed:\n\(output)")
        for step in ["ok - demo fleet shown", "ok - help", "ok - drain with confirmation", "ok - q leaves a clean terminal",
                     "ok - Ctrl-C leaves a clean terminal"] {
            #expect(output.contains(step), "missing '\(step)':\n\(output)")
        }
    }
}
