import NIOCore
import RouterWire
import SocketSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `socket(2)`, named apart from the client's own `connect`.
private func systemSocket(_ family: CInt, _ type: CInt, _ proto: CInt) -> CInt {
    #if canImport(Glibc)
    Glibc.socket(family, type, proto)
    #else
    Darwin.socket(family, type, proto)
    #endif
}

/// `connect(2)`, named apart from the client's own `connect`.
private func systemConnect(_ fd: CInt, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> CInt {
    #if canImport(Glibc)
    Glibc.connect(fd, address, length)
    #else
    Darwin.connect(fd, address, length)
    #endif
}

/// The write end of the attach client's signal pipe: its signal handler may only write a byte.
nonisolated(unsafe) private var attachSignalPipe: CInt = -1

/// `fleetrouter pty-attach`: a blocking client like uWSGI's `--pty-uconnect` (or `--pty-connect`
/// with `--raw`). One thread polls stdin, the socket and a self-pipe its signal handlers write to.
///
/// - The local terminal (when stdin is one) goes raw as ssh and uWSGI make it, and is restored
///   on every way out: the remote side closing, an error, SIGINT, SIGTERM, SIGHUP or SIGQUIT.
///   SIGTSTP is ignored while attached, since a stopped client would leave the terminal raw.
/// - Framed mode sends a rows and a cols frame at start and after every SIGWINCH, and frames
///   stdin as modifier2 0 packets of at most 4 KiB.
/// - Stdin at end of file stops being read; the client keeps printing output until the remote
///   side closes.
public enum PtyAttachClient {
    /// Runs the client; returns the exit status (0 when the remote side closed).
    public static func run(_ options: PtyAttachOptions) -> Int32 {
        let socket: CInt
        do {
            socket = try connect(options.address)
        } catch {
            writeAll(2, Array("fleetrouter: pty-attach: \(error)\n".utf8))
            return 1
        }
        defer { close(socket) }
        var pipeEnds: [CInt] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { return 1 }
        defer {
            close(pipeEnds[0])
            close(pipeEnds[1])
        }
        _ = fcntl(pipeEnds[1], F_SETFL, fcntl(pipeEnds[1], F_GETFL) | O_NONBLOCK)
        attachSignalPipe = pipeEnds[1]
        let handled = [SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT]
        var previous: [CInt: sigaction] = [:]
        for signal in handled { previous[signal] = install(signal) { number in
            var byte = UInt8(truncatingIfNeeded: number)
            _ = write(attachSignalPipe, &byte, 1)
        } }
        let previousTSTP = signal(SIGTSTP, SIG_IGN)
        let terminal = LocalTerminal(noISIG: options.noISIG)
        defer {
            terminal?.restore()
            _ = signal(SIGTSTP, previousTSTP)
            for (number, action) in previous {
                var action = action
                sigaction(number, &action, nil)
            }
        }
        if !options.raw { sendWindowSize(socket) }
        return relay(socket: socket, signals: pipeEnds[0], framed: !options.raw)
    }

    /// Moves bytes until the remote side closes or a terminating signal arrives.
    private static func relay(socket: CInt, signals: CInt, framed: Bool) -> Int32 {
        var readingStdin = true
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var fds = [
                pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
                pollfd(fd: signals, events: Int16(POLLIN), revents: 0),
                pollfd(fd: readingStdin ? 0 : -1, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, nfds_t(fds.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return 1
            }
            if fds[1].revents != 0 {
                var number: UInt8 = 0
                if read(signals, &number, 1) == 1 {
                    if CInt(number) == SIGWINCH {
                        if framed { sendWindowSize(socket) }
                    } else {
                        return 128 + Int32(number)
                    }
                }
            }
            if fds[0].revents != 0 {
                let count = read(socket, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return 0 }
                writeAll(1, Array(buffer[0..<count]))
            }
            if fds[2].revents != 0 {
                let count = read(0, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 {
                    readingStdin = false
                    continue
                }
                let payload = Array(buffer[0..<count])
                guard writeAll(socket, framed ? frame(.input(ByteBuffer(bytes: payload))) : payload) else { return 0 }
            }
        }
    }

    /// Sends the terminal's rows and cols (when stdin or stdout is a terminal).
    private static func sendWindowSize(_ socket: CInt) {
        var size = winsize()
        guard ioctl(0, UInt(TIOCGWINSZ), &size) == 0 || ioctl(1, UInt(TIOCGWINSZ), &size) == 0,
              size.ws_row > 0, size.ws_col > 0 else { return }
        _ = writeAll(socket, frame(.rows(size.ws_row)) + frame(.columns(size.ws_col)))
    }

    private static func frame(_ frame: ForkptyFrame) -> [UInt8] {
        var buffer = ByteBuffer()
        try? ForkptyFrameEncoder.write(frame, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    @discardableResult
    private static func writeAll(_ descriptor: CInt, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    private static func install(_ number: CInt, _ handler: @convention(c) (CInt) -> Void) -> sigaction {
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = handler
        #else
        action.__sigaction_u.__sa_handler = handler
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        var old = sigaction()
        sigaction(number, &action, &old)
        return old
    }

    /// A blocking connection to a forkpty listener.
    private static func connect(_ address: UwsgiAddress) throws(PtyAttachError) -> CInt {
        let target: SocketAddress
        switch address.endpoint {
        case .abstract(let name):
            let fd = systemSocket(AF_UNIX, SocketPrimitives.streamType, 0)
            guard fd >= 0 else { throw .connect("cannot create a socket: \(SocketPrimitives.lastError())") }
            let result = SocketPrimitives.withAbstractAddress(name) { systemConnect(fd, $0, $1) }
            guard result == 0 else {
                let reason = SocketPrimitives.lastError()
                close(fd)
                throw .connect("cannot connect to \(address.configured): \(reason)")
            }
            return fd
        case .unix(let path):
            do { target = try SocketAddress(unixDomainSocketPath: path) } catch {
                throw .connect("\(path) is not a unix socket path: \(error)")
            }
        case .inet(let host, let port):
            do { target = try SocketAddress.makeAddressResolvingHost(host, port: port) } catch {
                throw .connect("cannot resolve \(host): \(error)")
            }
        case .sharedSocket, .inheritedDescriptor:
            throw .connect("\(address.configured) is not an address to connect to")
        }
        let fd = systemSocket(CInt(target.protocol.rawValue), SocketPrimitives.streamType, 0)
        guard fd >= 0 else { throw .connect("cannot create a socket: \(SocketPrimitives.lastError())") }
        let result = target.withSockAddr { pointer, length in systemConnect(fd, pointer, socklen_t(length)) }
        guard result == 0 else {
            let reason = SocketPrimitives.lastError()
            close(fd)
            throw .connect("cannot connect to \(address.configured): \(reason)")
        }
        return fd
    }
}

/// The local terminal in raw mode, as ssh and uWSGI's pty client set it; `restore` puts back
/// what was there. Nil when stdin is not a terminal (a pipe in a script or a test).
struct LocalTerminal {
    private let saved: termios

    init?(noISIG: Bool) {
        var original = termios()
        guard isatty(0) == 1, tcgetattr(0, &original) == 0 else { return nil }
        saved = original
        var raw = original
        raw.c_iflag |= tcflag_t(IGNPAR)
        raw.c_iflag &= ~tcflag_t(ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXANY | IXOFF | IUCLC | IMAXBEL | BRKINT)
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ECHOE | ECHOK | ECHONL | IEXTEN)
        if noISIG { raw.c_lflag &= ~tcflag_t(ISIG) }
        raw.c_oflag &= ~tcflag_t(OPOST)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(0, TCSADRAIN, &raw)
    }

    /// Puts the terminal back as it was.
    func restore() {
        var original = saved
        tcsetattr(0, TCSADRAIN, &original)
    }
}
