import CSpawn
import Foundation
import ThreadTesting

extension SpawnedProcess {
    /// What a process run to completion printed and how it ended.
    public struct Completion: Sendable {
        /// How it ended.
        public let termination: Termination
        /// Its standard output (with its standard error when combined).
        public let output: String
        /// Its standard error (empty when combined).
        public let errors: String
    }

    /// Runs `executable ARGUMENTS` to completion on the calling thread (which it blocks) and
    /// returns what it printed and how it ended. `input`, when given, is written to its
    /// standard input, which then ends (nil: /dev/null). Bounded by `timeout`: past it the
    /// process's group is SIGKILLed and this throws, naming the command and quoting its output.
    public static func run(
        _ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String] = [:],
        input: String? = nil, output routing: Output = .separate, timeout: Duration = .seconds(30)
    ) throws -> Completion {
        let (process, pipes) = try spawn(
            executable: executable, arguments: arguments, directory: directory, environment: environment,
            input: input == nil ? .null : .stream, output: routing)
        return try process.collect(pipes, input: Array((input ?? "").utf8), timeout: timeout)
    }

    /// `run` on a thread of its own, so the caller's task waits without holding a thread of
    /// the cooperative pool.
    public static func run(
        _ executable: String, _ arguments: [String], directory: String? = nil, environment: [String: String] = [:],
        input: String? = nil, output routing: Output = .separate, timeout: Duration = .seconds(30)
    ) async throws -> Completion {
        // A synchronous closure, so `run` below is the blocking one, not this.
        try await OwnThread.run("run \(executable)") { () throws -> Completion in
            try run(executable, arguments, directory: directory, environment: environment, input: input, output: routing,
                    timeout: timeout)
        }
    }

    /// Writes `input`, reads the output pipes to their end and reaps the process, all within
    /// `timeout`; closes every descriptor in `pipes`.
    private func collect(_ pipes: Pipes, input: [UInt8], timeout: Duration) throws -> Completion {
        let clock = ContinuousClock()
        var deadline = clock.now + timeout
        var killed = false
        // Open descriptors: the input until all of it is written, the outputs until they end.
        var inputEnd = pipes.input
        var written = 0
        var streams: [(descriptor: Int32, bytes: [UInt8])] = [(pipes.output, [])]
        if let errors = pipes.errors { streams.append((errors, [])) }
        var open = Set(streams.map(\.descriptor))
        defer {
            if let inputEnd { close(inputEnd) }
            for descriptor in open { close(descriptor) }
        }
        if let end = inputEnd, input.isEmpty {
            close(end)
            inputEnd = nil
        }
        var buffer = [UInt8](repeating: 0, count: 16384)
        while inputEnd != nil || !open.isEmpty {
            let left = deadline - clock.now
            if left <= .zero {
                // Even SIGKILL did not end the output: something outside the group holds it.
                if killed { break }
                signalGroup(SIGKILL)
                killed = true
                deadline = clock.now + .seconds(5)
                continue
            }
            var polled: [pollfd] = streams.filter { open.contains($0.descriptor) }
                .map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
            if let inputEnd { polled.append(pollfd(fd: inputEnd, events: Int16(POLLOUT), revents: 0)) }
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&polled, nfds_t(polled.count), milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw SpawnError("\(command): poll failed: \(String(cString: strerror(errno)))")
            }
            for entry in polled where entry.revents != 0 {
                if entry.fd == inputEnd {
                    let sent = input[written...].withUnsafeBytes { cspawn_send(entry.fd, $0.baseAddress, $0.count) }
                    if sent > 0 { written += sent }
                    // Once all is written, or the child stopped reading, its input ends.
                    if written == input.count || (sent < 0 && errno != EINTR && errno != EAGAIN) {
                        close(entry.fd)
                        inputEnd = nil
                    }
                    continue
                }
                guard let index = streams.firstIndex(where: { $0.descriptor == entry.fd }) else { continue }
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    streams[index].bytes += buffer[0..<count]
                } else if count == 0 || errno != EINTR {
                    close(entry.fd)
                    open.remove(entry.fd)
                }
            }
        }
        let text = streams.map { String(decoding: $0.bytes, as: UTF8.self) }
        let printed = text.joined(separator: "\n")
        var termination = waitForExit(timeout: max(deadline - clock.now, .zero))
        if termination == nil {
            signalGroup(SIGKILL)
            killed = true
            termination = waitForExit(timeout: .seconds(5))
        }
        guard let termination else {
            throw SpawnError("\(command) did not exit even after SIGKILL; it printed:\n\(printed)")
        }
        if killed {
            throw SpawnError("\(command) did not finish within \(timeout) and was killed; it printed:\n\(printed)")
        }
        return Completion(termination: termination, output: text[0], errors: text.count > 1 ? text[1] : "")
    }
}
