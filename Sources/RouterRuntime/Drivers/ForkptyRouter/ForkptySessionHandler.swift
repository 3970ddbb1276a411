import Logging
import NIOCore
import NIOPosix
import RouterWire
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What every session of one forkpty listener shares.
struct ForkptyListenerShared: Sendable {
    /// The sessions' state machine settings.
    let configuration: PtySessionStateMachine.Configuration
    /// The command as configured (stats show it).
    let command: String
    /// The child's arguments.
    let arguments: [String]
    /// The router's live sessions.
    let registry: PtySessionRegistry
    /// The router's logger.
    let logger: Logger
}

/// One forkpty client connection: carries out what its `PtySessionStateMachine` decides on NIO.
/// It owns the pty (its master as a NIO pipe channel on the client's event loop), the child's
/// reaping timer, the idle deadline and the session's stats entry.
final class ForkptySessionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let shared: ForkptyListenerShared
    private var machine: PtySessionStateMachine
    private var context: ChannelHandlerContext?
    /// The client's event loop, which outlives the client: the child is reaped after it closes.
    private var loop: (any EventLoop)?
    private var decoder = ForkptyFrameDecoder()
    private var pending = ByteBuffer()
    private var terminal: PseudoTerminal?
    private var ptyChannel: (any Channel)?
    private var readGate = ReadGate()
    private var deadline: Scheduled<Void>?
    private var reapCheck: Scheduled<Void>?
    private var entry: PtySessionRegistry.Entry?

    init(shared: ForkptyListenerShared) {
        self.shared = shared
        self.machine = PtySessionStateMachine(configuration: shared.configuration)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.loop = context.eventLoop
    }

    func channelActive(context: ChannelHandlerContext) {
        perform(machine.start(now: .now()))
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        perform(machine.clientClosed(now: .now()))
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        readGate.read(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        entry?.rx.add(UInt64(bytes.readableBytes), ordering: .relaxed)
        let now = NIODeadline.now()
        guard shared.configuration.framed else {
            perform(machine.clientInput(bytes, now: now))
            return
        }
        pending.writeBuffer(&bytes)
        do {
            while let frame = try decoder.decodeFrame(buffer: &pending) {
                perform(machine.clientFrame(frame, now: now))
            }
        } catch {
            perform(machine.clientProtocolError("\(error)"))
        }
        pending.discardReadBytes()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        perform(machine.clientReadComplete())
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        perform(machine.clientWritabilityChanged(context.channel.isWritable))
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is RouterStopEvent {
            perform(machine.closeRequested())
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: pty side (called by `PtyMasterHandler` on the same event loop)

    fileprivate func ptyRead(_ bytes: ByteBuffer) {
        perform(machine.ptyOutput(bytes, now: .now()))
    }

    fileprivate func ptyReadComplete() {
        perform(machine.ptyReadComplete())
    }

    fileprivate func ptyWritabilityChanged(_ writable: Bool) {
        perform(machine.ptyWritabilityChanged(writable))
    }

    fileprivate func ptyClosed() {
        ptyChannel = nil
        perform(machine.ptyClosed(now: .now()))
    }

    // MARK: actions

    private func perform(_ actions: [PtySessionStateMachine.Action]) {
        for action in actions { perform(action) }
    }

    private func perform(_ action: PtySessionStateMachine.Action) {
        switch action {
        case .spawn(let rows, let columns):
            spawn(rows: rows, columns: columns)
        case .attachPty:
            attachPty()
        case .refuse(let line):
            guard let context else { return }
            context.write(wrapOutboundOut(ByteBuffer(string: line)), promise: nil)
            closeAfterFlush(context)
        case .writeToPty(let bytes):
            guard let ptyChannel else { return }
            ptyChannel.write(bytes, promise: nil)
            if !ptyChannel.isWritable { perform(machine.ptyWritabilityChanged(false)) }
        case .flushPty:
            ptyChannel?.flush()
        case .resize(let rows, let columns):
            guard let terminal, ptyChannel != nil else { return }
            PseudoTerminal.resize(master: terminal.master, rows: rows, columns: columns)
        case .signal(let number):
            guard let terminal, let pid = machine.childPid else { return }
            PseudoTerminal.send(number, master: ptyChannel != nil ? terminal.master : -1, child: pid)
        case .hangUpChild:
            if let pid = machine.childPid { _ = kill(pid, SIGHUP) }
        case .killChild:
            if let pid = machine.childPid { _ = kill(pid, SIGKILL) }
        case .checkChild(let interval):
            scheduleReapCheck(after: interval)
        case .writeToClient(let bytes):
            guard let context else { return }
            entry?.tx.add(UInt64(bytes.readableBytes), ordering: .relaxed)
            context.write(wrapOutboundOut(bytes), promise: nil)
        case .flushClient:
            context?.flush()
        case .closeClientAfterFlush:
            if let context { closeAfterFlush(context) }
        case .closeClient:
            context?.close(promise: nil)
        case .closePty:
            ptyChannel?.close(promise: nil)
        case .pauseClientReads:
            readGate.close()
        case .resumeClientReads:
            readGate.open(context)
        case .pausePtyReads:
            ptyChannel?.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
        case .resumePtyReads:
            ptyChannel?.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
        case .armDeadline(let when):
            armDeadline(when)
        case .log(let line):
            shared.logger.info("\(line)", metadata: ["client": "\(entry?.client ?? "-")"])
        case .finished:
            deadline?.cancel()
            reapCheck?.cancel()
            if let entry { shared.registry.remove(entry) }
            entry = nil
            terminal = nil
        }
    }

    private func spawn(rows: UInt16, columns: UInt16) {
        guard let context else { return }
        do {
            let terminal = try PseudoTerminal.spawn(arguments: shared.arguments, rows: rows, columns: columns)
            self.terminal = terminal
            let loop = context.eventLoop
            let me = NIOLoopBound(self, eventLoop: loop)
            entry = shared.registry.add(
                client: SessionClientAddress.describe(remote: context.channel.remoteAddress, local: context.channel.localAddress),
                pid: terminal.pid, command: shared.command,
                kick: { loop.execute { me.value.perform(me.value.machine.closeRequested()) } })
            perform(machine.spawned(pid: terminal.pid))
        } catch {
            perform(machine.spawnFailed(error.description))
        }
    }

    private func attachPty() {
        guard let context, let terminal else { return }
        let loop = context.eventLoop
        let me = NIOLoopBound(self, eventLoop: loop)
        NIOPipeBootstrap(group: loop)
            .channelOption(.autoRead, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(PtyMasterHandler(session: me))
                }
            }
            .takingOwnershipOfDescriptor(inputOutput: terminal.master)
            .hop(to: loop)
            .whenComplete { result in
                let handler = me.value
                switch result {
                case .success(let channel):
                    handler.ptyChannel = channel
                    channel.closeFuture.whenComplete { _ in me.value.ptyClosed() }
                    handler.perform(handler.machine.ptyAttached())
                case .failure(let error):
                    handler.shared.logger.warning("forkpty: cannot attach the pty: \(error)")
                    handler.ptyClosed()
                }
            }
    }

    private func scheduleReapCheck(after interval: TimeAmount) {
        guard let loop, let pid = machine.childPid else { return }
        reapCheck?.cancel()
        let me = NIOLoopBound(self, eventLoop: loop)
        reapCheck = loop.scheduleTask(in: interval) {
            let exited = PseudoTerminal.reap(pid)
            me.value.perform(me.value.machine.childChecked(exited: exited, now: .now()))
        }
    }

    private func armDeadline(_ when: NIODeadline) {
        guard let context else { return }
        deadline?.cancel()
        let me = NIOLoopBound(self, eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(deadline: when) {
            me.value.perform(me.value.machine.deadlineFired(now: .now()))
        }
    }

    /// Closes the client once everything written before is on the wire (a close with writes
    /// pending would drop them).
    private func closeAfterFlush(_ context: ChannelHandlerContext) {
        let promise = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: promise)
        let channel = context.channel
        promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }
}

/// The pty master's pipe channel: hands its reads, writability and close to the session.
private final class PtyMasterHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let session: NIOLoopBound<ForkptySessionHandler>

    init(session: NIOLoopBound<ForkptySessionHandler>) {
        self.session = session
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        session.value.ptyRead(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        session.value.ptyReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        session.value.ptyWritabilityChanged(context.channel.isWritable)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // EIO once every slave descriptor is closed: the child side is gone.
        context.close(promise: nil)
    }
}
