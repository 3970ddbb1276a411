import CSpawn
import Foundation

/// Reads a child's output pipe on a thread of its own, handing each chunk to `received`, and
/// calls `ended` once: at the end of the output, or after `finish()` once what is buffered in
/// the pipe has been read.
///
/// `finish()` is for when every process that should write is known to be gone: a process
/// outside the child's group that got a copy of the pipe's write end (a stray daemon, a
/// descriptor leaked to a sibling) would otherwise hold the end of the output back for as
/// long as it lives.
public final class PipeReader: Sendable {
    private let descriptor: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32

    /// Takes ownership of `descriptor` (closed when the reader and its thread are done) and
    /// starts reading it on a thread called `name`.
    public init(
        taking descriptor: Int32, name: String, received: @escaping @Sendable (ArraySlice<UInt8>) -> Void,
        ended: @escaping @Sendable () -> Void
    ) throws {
        var wake: [Int32] = [-1, -1]
        guard cspawn_pipe(&wake) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw SpawnError("\(name): no pipe to wake its reader: \(reason)")
        }
        self.descriptor = descriptor
        wakeRead = wake[0]
        wakeWrite = wake[1]
        // A finish request must never block its caller, however many there are.
        _ = fcntl(wakeWrite, F_SETFL, fcntl(wakeWrite, F_GETFL) | O_NONBLOCK)
        let thread = Thread { [self] in
            run(received: received)
            ended()
        }
        thread.name = name
        thread.start()
    }

    deinit {
        close(descriptor)
        close(wakeRead)
        close(wakeWrite)
    }

    /// Asks the reader to read what is buffered now and end, without waiting for the end of
    /// the output.
    public func finish() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func run(received: @Sendable (ArraySlice<UInt8>) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        var draining = false
        while true {
            var polled = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            // Draining: only what is readable at once, then stop.
            let ready = poll(&polled, draining ? 1 : 2, draining ? 0 : -1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return }
            if !draining && polled[1].revents != 0 {
                draining = true
                continue
            }
            guard polled[0].revents != 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            received(buffer[0..<count])
        }
    }
}
