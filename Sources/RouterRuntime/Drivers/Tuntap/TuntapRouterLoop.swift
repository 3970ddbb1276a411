import CLeanSockets
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RouterConfig
import RouterWire

#if canImport(Glibc)
import Glibc
#endif

/// One `--tuntap-router` line at run time: a thread of its own polls the TUN device, the peers'
/// listener, the peers and the gateway socket, feeds `TuntapRouterStateMachine` and carries out
/// its actions. Nothing blocks: a full peer queue or a busy device drops (counted) packets.
final class TuntapRouterLoop: @unchecked Sendable {
    private static let deviceToken = UInt64.max - 1
    private static let listenerToken = UInt64.max - 2
    private static let gatewayToken = UInt64.max - 3
    /// Reads per descriptor per wake-up before the others get a turn.
    private static let burst = 64

    /// The device's name.
    let device: String
    private let deviceFD: CInt
    private let listenerFD: CInt
    private let gatewayFD: CInt?
    private let poller: TuntapPoller
    private let logger: Logger
    private let machine: NIOLockedValueBox<TuntapRouterStateMachine>
    // Loop-thread state.
    private var generations: [CInt: UInt32] = [:]
    private var nextGeneration: UInt32 = 0
    private var more: Set<UInt64> = []
    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
    private var thread: LeanThread?

    /// Takes ownership of the open device, listener and gateway descriptors.
    init(device: String, deviceFD: CInt, listenerFD: CInt, gatewayFD: CInt?,
         configuration: TuntapRouterStateMachine.Configuration, logger: Logger) throws(TuntapSystem.Failure) {
        self.device = device
        self.deviceFD = deviceFD
        self.listenerFD = listenerFD
        self.gatewayFD = gatewayFD
        self.logger = logger
        self.machine = NIOLockedValueBox(TuntapRouterStateMachine(configuration: configuration))
        poller = try TuntapPoller()
        try poller.add(deviceFD, events: TuntapPoller.readEvents, token: Self.deviceToken)
        try poller.add(listenerFD, events: TuntapPoller.readEvents, token: Self.listenerToken)
        if let gatewayFD { try poller.add(gatewayFD, events: TuntapPoller.readEvents, token: Self.gatewayToken) }
    }

    deinit {
        readBuffer.deallocate()
    }

    /// Starts the loop's thread.
    func start() {
        thread = LeanThread(name: "tuntap-\(device)") { [self] in run() }
    }

    /// Stops the loop (once) and closes every descriptor it owns.
    func stop() {
        guard poller.stop() else { return }
        thread?.join()
        thread = nil
        for fd in generations.keys { Glibc.close(fd) }
        generations = [:]
        Glibc.close(listenerFD)
        Glibc.close(deviceFD)
        if let gatewayFD { Glibc.close(gatewayFD) }
    }

    /// The machine, read under its lock (stats).
    func withMachine<T>(_ body: (TuntapRouterStateMachine) -> T) -> T {
        machine.withLockedValue { body($0) }
    }

    private func run() {
        while !poller.isStopped {
            poller.wait(timeout: more.isEmpty ? 1000 : 0) { token, events in
                more.remove(token)
                handle(token, events)
            }
            for token in more { handle(token, lean_epollin) }
            perform(machine.withLockedValue { machine in
                machine.now = .now()
                return machine.expire()
            })
        }
    }

    private func handle(_ token: UInt64, _ events: UInt32) {
        switch token {
        case Self.deviceToken: readDevice()
        case Self.listenerToken: acceptPeers()
        case Self.gatewayToken: readGateway()
        default:
            let fd = CInt(truncatingIfNeeded: token & 0xffff_ffff)
            guard generations[fd] == UInt32(truncatingIfNeeded: token >> 32) else { return }
            if events & (lean_epollin | lean_epollrdhup | lean_epollhup | lean_epollerr) != 0 { readPeer(fd, token: token) }
            if events & lean_epollout != 0, generations[fd] != nil { flush(fd) }
        }
    }

    private func readDevice() {
        for _ in 0..<Self.burst {
            let count = Glibc.read(deviceFD, readBuffer.baseAddress, readBuffer.count)
            guard count > 0 else {
                if count < 0, errno != EAGAIN, errno != EWOULDBLOCK { logger.error("tuntap \(device): read: \(String(cString: strerror(errno)))") }
                return
            }
            let packet = ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: readBuffer[0..<count]))
            perform(machine.withLockedValue { $0.now = .now(); return $0.devicePacket(packet) })
        }
        more.insert(Self.deviceToken)
    }

    private func readGateway() {
        guard let gatewayFD else { return }
        for _ in 0..<Self.burst {
            let count = recv(gatewayFD, readBuffer.baseAddress, readBuffer.count, CInt(MSG_DONTWAIT))
            guard count > 0 else { return }
            let packet = ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: readBuffer[0..<count]))
            perform(machine.withLockedValue { $0.gatewayPacket(packet) })
        }
        more.insert(Self.gatewayToken)
    }

    private func acceptPeers() {
        for _ in 0..<Self.burst {
            var address = sockaddr_storage()
            var length = UInt32(MemoryLayout<sockaddr_storage>.size)
            let fd = lean_accept(listenerFD, &address, &length)
            guard fd >= 0 else { return }
            let (accepted, credentials) = machine.withLockedValue { machine in
                machine.now = .now()
                return (machine.peerAccepted(fd), machine.configuration.requiresCredentials)
            }
            // The credentials come with the first message only if the socket passes them on.
            if credentials { _ = lean_set_int_option(fd, SOL_SOCKET, SO_PASSCRED, 1) }
            nextGeneration &+= 1
            let token = UInt64(nextGeneration) << 32 | UInt64(UInt32(bitPattern: fd))
            guard accepted, (try? poller.add(fd, events: TuntapPoller.socketEvents, token: token)) != nil else {
                if accepted { machine.withLockedValue { $0.peerClosed(fd) } }
                logger.warning("tuntap \(device): peer refused (\(accepted ? "epoll" : "the router's peer cap is reached"))")
                Glibc.close(fd)
                continue
            }
            generations[fd] = nextGeneration
        }
        more.insert(Self.listenerToken)
    }

    private func readPeer(_ fd: CInt, token: UInt64) {
        for _ in 0..<Self.burst {
            if machine.withLockedValue({ $0.awaitsCredentials(fd) }) {
                switch TuntapSystem.receiveCredentials(fd) {
                case .again: return
                case .closed: return closed(fd, reason: nil)
                case .received(let credentials): perform(machine.withLockedValue { $0.peerCredentials(fd, credentials) })
                }
                guard generations[fd] != nil else { return }
                continue
            }
            let count = Glibc.read(fd, readBuffer.baseAddress, readBuffer.count)
            if count == 0 { return closed(fd, reason: nil) }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                return closed(fd, reason: String(cString: strerror(errno)))
            }
            let bytes = ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: readBuffer[0..<count]))
            perform(machine.withLockedValue { $0.now = .now(); return $0.peerRead(fd, bytes) })
            guard generations[fd] != nil else { return }
        }
        more.insert(token)
    }

    private func flush(_ fd: CInt) {
        while let pending = machine.withLockedValue({ $0.pendingOutput(fd) }) {
            let sent = pending.withUnsafeReadableBytes { lean_send(fd, $0.baseAddress, $0.count) }
            if sent < 0 {
                if lean_errno() == EAGAIN || lean_errno() == EWOULDBLOCK { return }
                return closed(fd, reason: String(cString: strerror(lean_errno())))
            }
            guard machine.withLockedValue({ $0.now = .now(); return $0.peerWrote(fd, count: sent) }) else { return }
        }
    }

    private func closed(_ fd: CInt, reason: String?) {
        machine.withLockedValue { $0.peerClosed(fd) }
        release(fd)
        if let reason { logger.info("tuntap \(device): peer closed: \(reason)") }
    }

    private func release(_ fd: CInt) {
        guard generations.removeValue(forKey: fd) != nil else { return }
        poller.remove(fd)
        Glibc.close(fd)
    }

    private func perform(_ actions: [TuntapRouterStateMachine.Action]) {
        for action in actions {
            switch action {
            case .writeDevice(let packet):
                let written = packet.withUnsafeReadableBytes { Glibc.write(deviceFD, $0.baseAddress, $0.count) }
                if written < 0 { machine.withLockedValue { $0.deviceBusy() } }
            case .sendGateway(let packet, let address, let port):
                guard let gatewayFD else { continue }
                let sent = packet.withUnsafeReadableBytes { TuntapSystem.sendDatagram(gatewayFD, $0, address: address, port: port) }
                if !sent { logger.debug("tuntap \(device): gateway send to \(TuntapAddressMatch.dotted(address)):\(port) failed") }
            case .flush(let fd):
                flush(fd)
            case .close(let fd, let reason):
                logger.warning("tuntap \(device): peer closed: \(reason)")
                release(fd)
            }
        }
    }
}
