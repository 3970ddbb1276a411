import CLeanSockets
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// The edge-triggered epoll set of one tuntap loop, with an eventfd that `stop()` rings from
/// any thread. Each descriptor is registered once under a 64-bit token and leaves by `remove`.
final class TuntapPoller: @unchecked Sendable {
    /// In, out and read-hangup, edge-triggered: a socket's one registration.
    static let socketEvents = lean_epollin | lean_epollout | lean_epollrdhup | lean_epollet
    /// In only, edge-triggered: the device, the listener and the gateway.
    static let readEvents = lean_epollin | lean_epollet

    private let epollFD: CInt
    private let wakeFD: CInt
    private let stopped = NIOLockedValueBox(false)
    private var events = [lean_event](repeating: lean_event(), count: 128)

    /// An epoll set with its wake-up eventfd.
    init() throws(TuntapSystem.Failure) {
        epollFD = lean_epoll_create()
        guard epollFD >= 0 else { throw .init("epoll_create1", errno: lean_errno()) }
        wakeFD = lean_eventfd()
        guard wakeFD >= 0, lean_epoll_add(epollFD, wakeFD, lean_epollin, UInt64.max) == 0 else {
            let code = lean_errno()
            Glibc.close(epollFD)
            throw .init("eventfd", errno: code)
        }
    }

    deinit {
        Glibc.close(wakeFD)
        Glibc.close(epollFD)
    }

    /// Registers `fd` under `token` (never `UInt64.max`).
    func add(_ fd: CInt, events: UInt32, token: UInt64) throws(TuntapSystem.Failure) {
        guard lean_epoll_add(epollFD, fd, events, token) == 0 else { throw .init("epoll_ctl", errno: lean_errno()) }
    }

    /// Unregisters `fd` (before it is closed).
    func remove(_ fd: CInt) {
        _ = lean_epoll_delete(epollFD, fd)
    }

    /// True once `stop()` was called.
    var isStopped: Bool { stopped.withLockedValue { $0 } }

    /// Asks the loop to end (any thread); true the first time only.
    @discardableResult
    func stop() -> Bool {
        let first = stopped.withLockedValue { stopped in
            defer { stopped = true }
            return !stopped
        }
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
        return first
    }

    /// Waits up to `timeout` milliseconds and calls `body` with each ready token and its events.
    func wait(timeout: CInt, _ body: (UInt64, UInt32) -> Void) {
        let count = events.withUnsafeMutableBufferPointer { lean_epoll_wait(epollFD, $0.baseAddress, 128, timeout) }
        guard count > 0 else { return }
        for index in 0..<Int(count) where events[index].data != UInt64.max {
            body(events[index].data, events[index].events)
        }
    }
}
