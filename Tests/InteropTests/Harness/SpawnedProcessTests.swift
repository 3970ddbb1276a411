import Foundation
import ProcessTesting
import Testing

extension Interop {
    /// The posix_spawn launcher under every process a test starts: what the child inherits,
    /// and the run-to-completion helper's output, input, exit and deadline.
    @Suite("process launcher")
    struct SpawnedProcessTests {
        @Test("a child gets descriptors 0 to 2 only, even one the test process left inheritable")
        func onlyStandardDescriptors() throws {
            // Opened without O_CLOEXEC: only the launcher's closefrom keeps it from the child.
            let stray = open("/dev/null", O_RDONLY)
            try #require(stray > 2)
            defer { close(stray) }
            let completion = try SpawnedProcess.run("/bin/ls", ["/proc/self/fd"], timeout: .seconds(20))
            #expect(completion.termination == .exited(0))
            // 3 is the directory ls itself opens to list them.
            #expect(completion.output.split(separator: "\n") == ["0", "1", "2", "3"], "\(completion.output)")
        }

        @Test("the parent's ends of the child's streams are close-on-exec, and the child leads its own process group")
        func parentEndsAndGroup() async throws {
            let (process, pipes) = try SpawnedProcess.spawn(
                executable: "/bin/sleep", arguments: ["30"], input: .stream, output: .separate)
            defer {
                for descriptor in [pipes.input, pipes.output, pipes.errors].compactMap({ $0 }) { close(descriptor) }
            }
            for descriptor in [pipes.input, pipes.output, pipes.errors] {
                let descriptor = try #require(descriptor)
                #expect(fcntl(descriptor, F_GETFD) & FD_CLOEXEC != 0, "descriptor \(descriptor)")
            }
            #expect(getpgid(process.pid) == process.pid)
            process.signalGroup(SIGKILL)
            #expect(await process.waitUntilGone(timeout: .seconds(10)))
            #expect(process.termination == .signalled(SIGKILL))
        }

        @Test("no signal is blocked and no standard signal ignored in the child, whichever thread spawned it")
        func signalsAtDefault() throws {
            let completion = try SpawnedProcess.run("/bin/grep", ["-E", "^Sig(Blk|Ign)", "/proc/self/status"], timeout: .seconds(20))
            let masks = Dictionary(uniqueKeysWithValues: completion.output.split(separator: "\n").compactMap { line -> (String, UInt64)? in
                let parts = line.split(separator: "\t")
                guard parts.count == 2, let mask = UInt64(parts[1], radix: 16) else { return nil }
                return (String(parts[0]), mask)
            })
            #expect(masks["SigBlk:"] == 0, "\(completion.output)")
            // Signals 1 to 31 (SIGPIPE above all, which the test process may ignore); glibc
            // keeps its own real-time signals 32 and 33 for itself.
            #expect(masks["SigIgn:"].map { $0 & 0x7fff_ffff } == 0, "\(completion.output)")
        }

        @Test("run returns standard output and error apart (or together), the exit code, and feeds the input")
        func runCollects() async throws {
            let separate = try await SpawnedProcess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], timeout: .seconds(20))
            #expect(separate.termination == .exited(3))
            #expect(separate.output == "out\n")
            #expect(separate.errors == "err\n")
            let combined = try await SpawnedProcess.run("/bin/sh", ["-c", "echo out; echo err >&2"], output: .combined, timeout: .seconds(20))
            #expect(combined.output == "out\nerr\n" && combined.errors.isEmpty)
            // More than a pipe's or socket's buffer, so writing and reading must interleave.
            let input = String(repeating: "0123456789abcdef\n", count: 64 * 1024)
            let echoed = try await SpawnedProcess.run("/bin/cat", [], input: input, timeout: .seconds(20))
            #expect(echoed.output == input)
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let here = try await SpawnedProcess.run("/bin/pwd", ["-P"], directory: directory.path, timeout: .seconds(20))
            #expect(here.output == "\(URL(fileURLWithPath: directory.path).resolvingSymlinksInPath().path)\n")
            let variable = try await SpawnedProcess.run("/bin/sh", ["-c", "echo $SPAWN_TEST_VALUE"], environment: ["SPAWN_TEST_VALUE": "given"])
            #expect(variable.output == "given\n")
        }

        @Test("a child that outlives run's deadline is killed with its group, and run throws naming it")
        func runDeadline() throws {
            let started = ContinuousClock.now
            let error = #expect(throws: SpawnError.self) {
                try SpawnedProcess.run("/bin/sh", ["-c", "echo begun; sleep 30 & wait"], timeout: .milliseconds(300))
            }
            #expect(started.duration(to: .now) < .seconds(10))
            #expect(error?.description.contains("/bin/sh -c echo begun") == true, "\(String(describing: error))")
            #expect(error?.description.contains("did not finish within") == true)
            #expect(error?.description.contains("begun") == true)
        }

        @Test("a missing executable or working directory is an error naming it")
        func startFailures() {
            let missing = #expect(throws: SpawnError.self) {
                try SpawnedProcess.run("/nonexistent/tool", ["x"], timeout: .seconds(5))
            }
            #expect(missing?.description.contains("/nonexistent/tool") == true && missing?.description.contains("No such file") == true,
                    "\(String(describing: missing))")
            let directory = #expect(throws: SpawnError.self) {
                try SpawnedProcess.run("/bin/true", [], directory: "/nonexistent-directory", timeout: .seconds(5))
            }
            #expect(directory?.description.contains("/nonexistent-directory") == true, "\(String(describing: directory))")
        }
    }
}
