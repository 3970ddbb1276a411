import Foundation
import Testing

extension Interop {
    /// The process harness: waits are events with deadlines, never sleeps, and never hang.
    @Suite("process harness")
    struct ManagedProcessTests {
        private func shell(_ script: String, in directory: TemporaryDirectory) async throws -> ManagedProcess {
            try await ManagedProcess.launch(name: "sh", executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script], directory: directory.url)
        }

        @Test("lines are seen in order, a wait can start after a line, and the exit status is reported")
        func linesAndExit() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let process = try await shell("echo one; echo two >&2; echo one again; printf tail; exit 3", in: directory)
            let first = try await process.waitForLine(containing: "one")
            let again = try await process.waitForLine(containing: "one", after: first.index + 1)
            #expect(first.text == "one")
            #expect(again.text == "one again")
            #expect(try await process.waitForExit(timeout: .seconds(10)) == .exited(3))
            try await process.waitForOutputEnd(timeout: .seconds(10))
            #expect(process.lines == ["one", "two", "one again", "tail"])
        }

        @Test("the exit is reported only once every line printed before it is read")
        func exitAfterOutput() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            // More than a pipe holds, so the reader is still busy when the exit is reaped.
            let process = try await shell("seq 1 20000; echo last", in: directory)
            #expect(try await process.waitForExit(timeout: .seconds(20)) == .exited(0))
            let lines = process.lines
            #expect(lines.count == 20001 && lines.last == "last", "\(lines.count) lines, the last \(lines.last ?? "none")")
        }

        @Test("a line that never comes fails at its deadline, and one that cannot come fails at the end of output")
        func boundedWaits() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let quiet = try await shell("echo started; exec sleep 30", in: directory)
            try await quiet.waitForLine(containing: "started")
            await #expect(throws: InteropError.self) {
                try await quiet.waitForLine(containing: "never printed", timeout: .milliseconds(300))
            }
            // Still running, so the wait ended at its deadline, not at the end of the output.
            #expect(await quiet.stop(with: SIGTERM) == .signalled(SIGTERM))

            let short = try await shell("echo only", in: directory)
            await #expect(throws: InteropError.self) {
                try await short.waitForLine(containing: "not there", timeout: .seconds(20))
            }
        }

        @Test("children start with no signal blocked, so SIGTERM and SIGINT reach fleetrouter and uWSGI")
        func signalMask() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let process = try await shell("grep SigBlk /proc/self/status", in: directory)
            try await process.waitForOutputEnd(timeout: .seconds(10))
            #expect(process.lines == ["SigBlk:\t0000000000000000"])
        }

        @Test("killing the group ends every process that shares the output")
        func groupKill() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            // A child that outlives its parent's signal holds the pipe, as uWSGI workers do.
            let process = try await shell("sleep 30 & echo child $!; wait", in: directory)
            try await process.waitForLine(containing: "child")
            try await process.killGroup()
            #expect(try await process.waitForExit(timeout: .seconds(10)) == .signalled(SIGKILL))
        }

        @Test("killing the group ends the output even while a process outside the group holds the pipe")
        func groupKillWithStrayHolder() async throws {
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            // The stray leaves the group (setsid) but keeps the output pipe, as a process another
            // test spawned at the wrong moment would: the pipe never ends while it lives.
            let process = try await shell("setsid /bin/sh -c 'echo stray $$; exec sleep 30' & wait", in: directory)
            let line = try await process.waitForLine(containing: "stray")
            let stray = try #require(pid_t(line.text.dropFirst("stray ".count)), "\(line.text)")
            defer { _ = kill(stray, SIGKILL) }
            #expect(getpgid(stray) != process.pid, "the stray is outside the group")
            let started = ContinuousClock.now
            try await process.killGroup()
            #expect(started.duration(to: .now) < .seconds(5))
            #expect(kill(stray, 0) == 0, "the stray still holds the pipe, so the end came from the group check")
            #expect(process.exitStatus == .signalled(SIGKILL))
            #expect(process.lines == [line.text])
        }
    }
}
