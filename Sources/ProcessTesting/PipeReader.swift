import CSpawn
import Foundation

/// Reads a child's output pipe on a thread of its own, handing each chunk to `received`, and
/// calls `ended` once: at the end of the output, or after `finish()` once what is buffered in
/// the pipe has been read.
///
/// `finish()` is for when every process that should write is known to be gone: a process
/// outside the child's group that got a copy of the pipe's write end (a stray daemon, a
/// descriptor leaked to a sibling) would otherwise hold the end of the output back for as
/// long as it lives. `afterReadingBuffered` orders an event after the output written before
/// it: a child's exit, reaped on another thread, must not be reported before its last lines.
public final class PipeReader: @unchecked Sendable {
    // @unchecked: the descriptors are set in init; `pending` and `done` are only touched
    // between `lock.lock()` and `lock.unlock()`.
    private let descriptor: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let lock = NSLock()
    private var pending: [@Sendable () -> Void] = []
    private var done = false

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
        // A request must never block its caller, however many there are.
        _ = fcntl(wakeWrite, F_SETFL, fcntl(wakeWrite, F_GETFL) | O_NONBLOCK)
        let thread = Thread { [self] in
            run(received: received)
            lock.lock()
            done = true
            let rest = pending
            pending = []
            lock.unlock()
            for action in rest { action() }
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
        wake(UInt8(ascii: "f"))
    }

    /// Runs `action` on the reader's thread once everything that was in the pipe when this was
    /// called has been handed to `received` (at once if the output has ended).
    public func afterReadingBuffered(_ action: @escaping @Sendable () -> Void) {
        lock.lock()
        guard !done else {
            lock.unlock()
            action()
            return
        }
        pending.append(action)
        lock.unlock()
        wake(UInt8(ascii: "s"))
    }

    private func wake(_ request: UInt8) {
        var byte = request
        // A full wake pipe (never in practice) already holds a request, which serves this one:
        // every wake-up reads all of them and runs every pending action.
        _ = write(wakeWrite, &byte, 1)
    }

    private func run(received: @Sendable (ArraySlice<UInt8>) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            var polled = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&polled, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return }
            if polled[1].revents != 0 {
                var requests = [UInt8](repeating: 0, count: 64)
                let count = requests.withUnsafeMutableBytes { read(wakeRead, $0.baseAddress, $0.count) }
                let finishing = count > 0 && requests[0..<count].contains(UInt8(ascii: "f"))
                lock.lock()
                let actions = pending
                pending = []
                lock.unlock()
                let open = readBuffered(into: &buffer, received: received)
                for action in actions { action() }
                if finishing || !open { return }
                continue
            }
            guard polled[0].revents != 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            received(buffer[0..<count])
        }
    }

    /// Reads what the pipe holds now, at most 1 MiB (the most a pipe buffers), so a process
    /// that keeps writing cannot hold the caller here; false at the end of the output.
    private func readBuffered(into buffer: inout [UInt8], received: @Sendable (ArraySlice<UInt8>) -> Void) -> Bool {
        var total = 0
        while total < 1 << 20 {
            var polled = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&polled, 1, 0)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { return true }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            received(buffer[0..<count])
            total += count
        }
        return true
    }
}
