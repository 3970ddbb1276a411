import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One exchange on a raw non-blocking socket, without any I/O: the connect's outcome, the
/// request sent (possibly in pieces), the answer read in place (`ResponseReadStateMachine`),
/// the peer's close, a socket error or the deadline, each turned into what the socket's owner
/// does next or into the exchange's end. `RawExchangeLoop` executes it.
struct RawExchangeStateMachine {
    private enum State {
        /// The non-blocking connect is under way.
        case connecting
        /// Connected; these request bytes are still to be sent.
        case sending(ByteBuffer)
        /// Connected, the request (if any) sent: reading the answer.
        case reading
        /// The exchange ended (answer or failure).
        case done
    }

    /// What the owner does next after a step that did not end the exchange.
    enum Next: Equatable {
        /// Send these bytes (the rest of the request), then report with `sent(_:)`.
        case send(ByteBuffer)
        /// Wait for the socket to be readable, then read with `received(atMost:_:)`.
        case read
    }

    private var state = State.connecting
    private var reader: ResponseReadStateMachine
    private let request: ByteBuffer?
    /// Whether the connection was established (the timeout's message tells it).
    private(set) var connected = false

    /// An exchange sending `request` (none for a raw stats server) and reading one answer.
    init(request: ByteBuffer?, reader: ResponseReadStateMachine) {
        self.request = request.flatMap { $0.readableBytes > 0 ? $0 : nil }
        self.reader = reader
    }

    /// True once the exchange has ended: the owner closes the socket.
    var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    /// True while the connect is under way.
    var isConnecting: Bool {
        if case .connecting = state { return true }
        return false
    }

    /// The connect finished with `code` (`SO_ERROR`; 0 when it succeeded). Returns the
    /// failure that ends the exchange, or nil and the exchange goes on (see `next`).
    mutating func connectFinished(error code: CInt) -> ExchangeFailure? {
        guard case .connecting = state else { return nil }
        guard code == 0 else {
            state = .done
            let message = String(cString: strerror(code))
            // A refused connect is ECONNREFUSED: a reset means it was up (a raw poll's socket
            // waits for input only, so its connect's success may go unreported before it).
            if code == ECONNRESET || code == EPIPE {
                connected = true
                return .connection(reason: message)
            }
            return ExchangeFailure.classify(errno: code, message: message)
        }
        connected = true
        if let request { state = .sending(request) } else { state = .reading }
        return nil
    }

    /// What the owner does now: send the rest of the request, or read; nil while connecting
    /// or once done.
    var next: Next? {
        switch state {
        case .sending(let rest): return .send(rest)
        case .reading: return .read
        case .connecting, .done: return nil
        }
    }

    /// `count` bytes of the request went out.
    mutating func sent(_ count: Int) {
        guard case .sending(var rest) = state, count > 0 else { return }
        rest.moveReaderIndex(forwardBy: min(count, rest.readableBytes))
        state = rest.readableBytes == 0 ? .reading : .sending(rest)
    }

    /// As `ResponseReadStateMachine.received(atMost:_:)`: the answer when complete, nil to
    /// read again (or wait when `fill` read nothing).
    mutating func received(
        atMost maximum: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int
    ) -> Result<ResponseReadStateMachine.Response, ExchangeFailure>? {
        guard case .reading = state else { return nil }
        do {
            if case let .complete(response) = try reader.received(atMost: maximum, fill) {
                state = .done
                return .success(response)
            }
            return nil
        } catch {
            state = .done
            return .failure(.read(error))
        }
    }

    /// How many bytes the next read may bring (see `ResponseReadStateMachine.readAllowance`).
    var readAllowance: Int { reader.readAllowance }

    /// The peer closed its side: the answer if it is complete, else why not.
    mutating func endOfInput() -> Result<ResponseReadStateMachine.Response, ExchangeFailure> {
        switch state {
        case .done:
            return .failure(.read(.closedEarly(received: 0, expected: nil)))
        case .connecting, .sending:
            // Closed before the request was out: whatever came is not an answer to it.
            state = .done
            guard connected else { return .failure(.connection(reason: "closed while connecting")) }
            return .failure(.read(.closedEarly(received: 0, expected: nil)))
        case .reading:
            state = .done
            do {
                return .success(try reader.closed())
            } catch {
                return .failure(.read(error))
            }
        }
    }

    /// A send or read failed with `code` (errno), or the socket reported it.
    mutating func failed(error code: CInt) -> ExchangeFailure {
        let wasConnected = connected && !isConnecting
        state = .done
        let message = String(cString: strerror(code))
        return wasConnected ? .connection(reason: message) : ExchangeFailure.classify(errno: code, message: message)
    }

    /// The deadline passed before the exchange ended.
    mutating func deadlinePassed() -> ExchangeFailure {
        state = .done
        return .timeout(connected: connected)
    }
}
