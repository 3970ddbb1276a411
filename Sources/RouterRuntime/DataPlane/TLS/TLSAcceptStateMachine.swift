import NIOCore

/// One TLS client connection from accept until its connection machine takes over, as a value:
/// the ClientHello is read (plaintext answered or refused, the SNI name checked), the handshake
/// runs under a deadline, and the machine behind is activated once the handshake completes (or,
/// for the SSL router, once the first decrypted bytes arrive: uWSGI connects the node then).
///
/// Events in, an `Action` out, no I/O: `TLSHelloHandler` and `TLSSessionHandler` carry the
/// actions out. Every refusal names its reason so the handlers can count and log it.
struct TLSAcceptStateMachine {
    /// When the connection machine behind is started.
    enum Activation: Equatable {
        /// Once the handshake completes (the HTTPS router).
        case handshake
        /// Once the first decrypted bytes arrive (the SSL router), within `firstBytesTimeout`.
        case firstBytes
    }

    /// The settings of one listener's connections.
    struct Configuration: Equatable {
        /// From accept to the end of the handshake.
        var handshakeTimeout = TimeAmount.seconds(10)
        /// `.firstBytes`: from the end of the handshake to the client's first bytes.
        var firstBytesTimeout = TimeAmount.seconds(60)
        var activation = Activation.handshake
        /// Answer plaintext HTTP with a 400 written in plaintext (the HTTPS router), rather than
        /// just closing.
        var answersPlaintextHTTP = false
        /// The most bytes held while the ClientHello is incomplete.
        var maximumHelloBuffer = ClientHelloParser.maximumHelloSize * 4
    }

    /// Why a connection is closed before its machine ran.
    enum Refusal: Error, Equatable {
        /// Plaintext sent to the TLS port.
        case plaintext
        /// Not a well-formed ClientHello.
        case malformedHello(String)
        /// The SNI name is over 255 bytes, empty, or holds bytes a host name cannot (NUL…).
        case badServerName(String)
        /// The handshake did not complete within the handshake timeout.
        case handshakeTimeout
        /// The TLS library refused the handshake (no client certificate, bad certificate,
        /// no common cipher or version…).
        case handshakeFailed(String)
        /// The SSL router's client sent nothing within the timeout after the handshake.
        case noFirstBytes
        /// The router stopped before the connection was ready.
        case stopped
    }

    /// Where the connection is.
    enum State: Equatable {
        case awaitingHello
        case handshaking
        case awaitingFirstBytes
        case established
        case closed
    }

    /// What the handlers do next.
    enum Action: Equatable {
        case none
        /// Schedule the connection's timer (replacing the pending one).
        case armTimer(NIODeadline)
        /// Keep the bytes and wait for more of the ClientHello.
        case waitForMore
        /// Write a 400 in plaintext and close (counted as plaintext).
        case answerPlaintext
        /// Put the TLS handler with the context for this SNI name in place and hand it the bytes.
        case startTLS(serverName: String?)
        /// Cancel the timer and start the machine behind (fire its facts and `channelActive`).
        case activate
        /// As `activate`, then pass the bytes on.
        case activateAndForward
        /// Pass the event on to the machine behind.
        case forward
        /// Close the connection, counting and logging the refusal.
        case close(Refusal)
    }

    let configuration: Configuration
    private(set) var state = State.awaitingHello

    init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The connection became active: the handshake deadline starts.
    func start(now: NIODeadline) -> Action {
        .armTimer(now + configuration.handshakeTimeout)
    }

    /// Bytes of the ClientHello arrived; `outcome` is the parse of all `buffered` bytes so far.
    mutating func helloRead(_ outcome: ClientHelloParser.Outcome, buffered: Int) -> Action {
        guard state == .awaitingHello else { return .none }
        switch outcome {
        case .needMore:
            guard buffered <= configuration.maximumHelloBuffer else { return refuse(.malformedHello("ClientHello over \(configuration.maximumHelloBuffer) bytes")) }
            return .waitForMore
        case .notTLS(let firstByte):
            if configuration.answersPlaintextHTTP, firstByte >= UInt8(ascii: "A"), firstByte <= UInt8(ascii: "Z") {
                state = .closed
                return .answerPlaintext
            }
            return refuse(.plaintext)
        case .malformed(let why):
            return refuse(.malformedHello(why))
        case .hello(let serverName):
            guard let serverName else {
                state = .handshaking
                return .startTLS(serverName: nil)
            }
            switch Self.checkServerName(serverName) {
            case .success(let name):
                state = .handshaking
                return .startTLS(serverName: name)
            case .failure(let refusal):
                return refuse(refusal)
            }
        }
    }

    /// The TLS library completed the handshake.
    mutating func handshakeCompleted(now: NIODeadline) -> Action {
        guard state == .handshaking else { return .none }
        switch configuration.activation {
        case .handshake:
            state = .established
            return .activate
        case .firstBytes:
            state = .awaitingFirstBytes
            return .armTimer(now + configuration.firstBytesTimeout)
        }
    }

    /// Decrypted bytes arrived.
    mutating func decryptedRead() -> Action {
        switch state {
        case .awaitingFirstBytes:
            state = .established
            return .activateAndForward
        case .established:
            return .forward
        case .awaitingHello, .handshaking, .closed:
            return .none
        }
    }

    /// The timer fired.
    mutating func deadlineFired() -> Action {
        switch state {
        case .awaitingHello, .handshaking: refuse(.handshakeTimeout)
        case .awaitingFirstBytes: refuse(.noFirstBytes)
        case .established, .closed: .none
        }
    }

    /// An error came up the pipeline (the TLS library's, the socket's).
    mutating func errorCaught(_ description: String) -> Action {
        switch state {
        case .established: .forward
        case .closed: .none
        case .awaitingHello, .handshaking, .awaitingFirstBytes: refuse(.handshakeFailed(description))
        }
    }

    /// The router is stopping.
    mutating func stopRequested() -> Action {
        switch state {
        case .established: .forward
        case .closed: .none
        case .awaitingHello, .handshaking, .awaitingFirstBytes: refuse(.stopped)
        }
    }

    /// The connection closed: the machine behind hears of it only if it was started.
    mutating func closed() -> Action {
        defer { state = .closed }
        return state == .established ? .forward : .none
    }

    private mutating func refuse(_ refusal: Refusal) -> Action {
        state = .closed
        return .close(refusal)
    }

    /// A server name as SNI sends it, checked: 1 to 255 bytes of letters, digits, `-`, `_`
    /// and `.`, not starting with a dot (so also a safe file name under `--sni-dir`).
    static func checkServerName(_ bytes: [UInt8]) -> Result<String, Refusal> {
        guard !bytes.isEmpty else { return .failure(.badServerName("empty")) }
        guard bytes.count <= ClientHelloParser.maximumServerNameLength else {
            return .failure(.badServerName("\(bytes.count) bytes, over \(ClientHelloParser.maximumServerNameLength)"))
        }
        guard bytes[0] != UInt8(ascii: ".") else { return .failure(.badServerName("starts with a dot")) }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                continue
            default:
                return .failure(.badServerName("holds byte 0x\(String(byte, radix: 16))"))
            }
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }
}
