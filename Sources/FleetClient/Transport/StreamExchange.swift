import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a stream exchange produced no answer, before the caller names the router.
enum ExchangeFailure: Error, Sendable, Hashable {
    /// Nobody listens (ECONNREFUSED, or no such socket file).
    case refused(reason: String)
    /// Cannot reach or resolve the address.
    case unreachable(reason: String)
    /// The deadline passed; `connected` says whether the connection was up.
    case timeout(connected: Bool)
    /// The answer could not be read.
    case read(ResponseReadStateMachine.Failure)
    /// The connection broke.
    case connection(reason: String)

    /// Classifies a connect error from NIO or from the abstract-socket helper.
    static func classifyConnect(_ error: any Error) -> ExchangeFailure {
        if let failure = error as? AbstractSocket.Failure { return classify(errno: failure.code, message: failure.message) }
        if let io = error as? IOError { return classify(errno: io.errnoCode, message: describe(io)) }
        if let connection = error as? NIOConnectionError {
            if let first = connection.connectionErrors.first { return classifyConnect(first.error) }
            if let dns = connection.dnsAError ?? connection.dnsAAAAError {
                return .unreachable(reason: "cannot resolve \(connection.host): \(dns)")
            }
            return .unreachable(reason: "cannot resolve \(connection.host)")
        }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return .timeout(connected: false) }
        return .unreachable(reason: describe(error))
    }

    /// Classifies a failed connect by its `errno`.
    static func classify(errno code: CInt, message: String) -> ExchangeFailure {
        switch code {
        case ECONNREFUSED, ENOENT: return .refused(reason: message)
        case EAGAIN: return .refused(reason: "listen queue full")
        default: return .unreachable(reason: message)
        }
    }

    /// A short human text for a NIO or system error.
    static func describe(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        return String(describing: error)
    }
}

extension StreamTarget {
    /// Connects `bootstrap` to this target: an IP literal without a resolver, a host name
    /// resolved by NIO off the loop, an abstract socket without blocking.
    func connect(_ bootstrap: ClientBootstrap, on loop: any EventLoop) -> EventLoopFuture<any Channel> {
        switch self {
        case .inet(let host, let port):
            if let address = literalAddress { return bootstrap.connect(to: address) }
            return bootstrap.connect(host: host, port: Int(port))
        case .unix(let path):
            return bootstrap.connect(unixDomainSocketPath: path)
        case .abstract(let name):
            do {
                return bootstrap.withConnectedSocket(try AbstractSocket.connectedStream(name: name))
            } catch {
                return loop.makeFailedFuture(error)
            }
        }
    }
}

/// Runs one exchange on a new connection under a single deadline (connect plus the whole
/// read), never blocking the calling thread: the abstract-socket connect is non-blocking and
/// host names are resolved by NIO off the event loop.
enum StreamExchange {
    /// First reads big enough for a typical stats document (about 6 KB for 20 nodes). Not
    /// larger: NIO copies the whole read buffer's capacity on each read while the previous
    /// read's buffer is still held, which the reader does to avoid copying the answer.
    static let receiveAllocator = AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 8 * 1024, maximum: 1024 * 1024)

    /// Connects to `target`, sends `request`, and reads one answer of at most `limit` bytes.
    static func run(
        target: StreamTarget, request: ByteBuffer?, framing: ResponseReadStateMachine.Framing,
        limit: Int, timeout: Duration, group: any EventLoopGroup
    ) async throws(ExchangeFailure) -> ResponseReadStateMachine.Response {
        let loop = group.next()
        let promise = loop.makePromise(of: ResponseReadStateMachine.Response.self)
        let connected = NIOLockedValueBox(false)
        let amount = TimeAmount(timeout)
        let timer = loop.scheduleTask(in: amount) {
            promise.fail(ExchangeFailure.timeout(connected: connected.withLockedValue { $0 }))
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }

        let reader = ResponseReadStateMachine(framing: framing, limit: limit)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(amount)
            // NIO's default first read is 2 KB, growing per channel; each exchange has a new
            // channel, so a stats document would take several reads and copies.
            .channelOption(.recvAllocator, value: Self.receiveAllocator)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ExchangeHandler(reader: reader, request: request, promise: promise, connected: connected)
                    )
                }
            }

        let channel = target.connect(bootstrap, on: loop)
        channel.whenComplete { result in
            switch result {
            case .success(let channel):
                // Whatever ends the exchange (answer, failure, deadline) also ends the connection.
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
            case .failure(let error):
                promise.fail(ExchangeFailure.classifyConnect(error))
            }
        }
        do {
            return try await promise.futureResult.get()
        } catch let failure as ExchangeFailure {
            throw failure
        } catch {
            throw .connection(reason: ExchangeFailure.describe(error))
        }
    }
}
