import CLeanSockets
import Logging
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One `--tuntap-device "DEV SOCKET"` at run time: a thread of its own pumps packets between the
/// TUN device and the router's unix socket through `TuntapDeviceStateMachine`. When the router
/// closes the link (or breaks the framing) the loop ends and `failure` says why, as uWSGI's
/// device thread ends its process.
final class TuntapDeviceLoop: @unchecked Sendable {
    private static let deviceToken: UInt64 = 1
    private static let socketToken: UInt64 = 2
    private static let burst = 64

    /// The device's name.
    let device: String
    private let deviceFD: CInt
    private let socketFD: CInt
    private let poller: TuntapPoller
    private let logger: Logger
    private var machine: TuntapDeviceStateMachine
    private var more: Set<UInt64> = []
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
    private var thread: LeanThread?
    private let ended = NIOLockedValueBox<String?>(nil)
    /// Completes when the loop ends, by `stop()` or by the link failing.
    let finished = CompletionSignal()

    /// Takes ownership of the open device and the connected socket.
    init(device: String, deviceFD: CInt, socketFD: CInt, machine: TuntapDeviceStateMachine, logger: Logger) throws(TuntapSystem.Failure) {
        self.device = device
        self.deviceFD = deviceFD
        self.socketFD = socketFD
        self.machine = machine
        self.logger = logger
        TuntapSystem.setNonBlocking(socketFD)
        poller = try TuntapPoller()
        try poller.add(deviceFD, events: TuntapPoller.readEvents, token: Self.deviceToken)
        try poller.add(socketFD, events: TuntapPoller.socketEvents, token: Self.socketToken)
    }

    deinit {
        readBuffer.deallocate()
    }

    /// Why the link ended, when it failed.
    var failure: String? { ended.withLockedValue { $0 } }

    /// Starts the loop's thread; the rules frame (if any) goes out first.
    func start() {
        thread = LeanThread(name: "tuntap-\(device)") { [self] in
            flush()
            run()
            finished.complete()
        }
    }

    /// Stops the loop (once) and closes the device and the socket.
    func stop() {
        guard poller.stop() else { return }
        thread?.join()
        thread = nil
        Glibc.close(socketFD)
        Glibc.close(deviceFD)
    }

    private func run() {
        while !poller.isStopped, failure == nil {
            poller.wait(timeout: more.isEmpty ? 1000 : 0) { token, events in
                more.remove(token)
                handle(token, events)
            }
            for token in more { handle(token, lean_epollin) }
        }
    }

    private func handle(_ token: UInt64, _ events: UInt32) {
        if token == Self.deviceToken { return readDevice() }
        if events & (lean_epollin | lean_epollrdhup | lean_epollhup | lean_epollerr) != 0 { readSocket() }
        if events & lean_epollout != 0 { flush() }
    }

    private func fail(_ reason: String) {
        ended.withLockedValue { if $0 == nil { $0 = reason } }
        logger.error("tuntap device \(device): \(reason)")
    }

    private func readDevice() {
        for _ in 0..<Self.burst {
            let count = Glibc.read(deviceFD, readBuffer.baseAddress, readBuffer.count)
            guard count > 0 else { return }
            perform(machine.devicePacket(ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: readBuffer[0..<count]))))
        }
        more.insert(Self.deviceToken)
    }

    private func readSocket() {
        for _ in 0..<Self.burst {
            let count = Glibc.read(socketFD, readBuffer.baseAddress, readBuffer.count)
            if count == 0 { return fail("the router closed the connection") }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                return fail("read: \(String(cString: strerror(errno)))")
            }
            perform(machine.routerRead(ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: readBuffer[0..<count]))))
            if failure != nil { return }
        }
        more.insert(Self.socketToken)
    }

    private func flush() {
        while machine.outbound.readableBytes > 0 {
            let sent = machine.outbound.withUnsafeReadableBytes { lean_send(socketFD, $0.baseAddress, $0.count) }
            if sent < 0 {
                if lean_errno() == EAGAIN || lean_errno() == EWOULDBLOCK { return }
                return fail("write: \(String(cString: strerror(lean_errno())))")
            }
            guard machine.wrote(sent) else { return }
        }
    }

    private func perform(_ actions: [TuntapDeviceStateMachine.Action]) {
        for action in actions {
            switch action {
            case .writeDevice(let packet):
                _ = packet.withUnsafeReadableBytes { Glibc.write(deviceFD, $0.baseAddress, $0.count) }
            case .flush:
                flush()
            case .fail(let reason):
                fail(reason)
            }
        }
    }
}
