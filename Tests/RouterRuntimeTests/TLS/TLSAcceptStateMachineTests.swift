import NIOCore
import Testing
@testable import RouterRuntime

@Suite("TLS accept state machine")
struct TLSAcceptStateMachineTests {
    static let now = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func machine(_ activation: TLSAcceptStateMachine.Activation = .handshake, plaintext: Bool = true) -> TLSAcceptStateMachine {
        var configuration = TLSAcceptStateMachine.Configuration()
        configuration.handshakeTimeout = .seconds(5)
        configuration.firstBytesTimeout = .seconds(30)
        configuration.activation = activation
        configuration.answersPlaintextHTTP = plaintext
        configuration.maximumHelloBuffer = 100
        return TLSAcceptStateMachine(configuration: configuration)
    }

    @Test("start arms the handshake deadline")
    func start() {
        #expect(Self.machine().start(now: Self.now) == .armTimer(Self.now + .seconds(5)))
    }

    @Test("an incomplete hello waits, unless it grew past the limit")
    func incompleteHello() {
        var machine = Self.machine()
        #expect(machine.helloRead(.needMore, buffered: 100) == .waitForMore)
        #expect(machine.state == .awaitingHello)
        #expect(machine.helloRead(.needMore, buffered: 101) == .close(.malformedHello("ClientHello over 100 bytes")))
        #expect(machine.state == .closed)
    }

    @Test("plaintext: a 400 on HTTPS listeners when it looks like HTTP, else a counted close")
    func plaintext() {
        var https = Self.machine()
        #expect(https.helloRead(.notTLS(firstByte: UInt8(ascii: "G")), buffered: 3) == .answerPlaintext)
        #expect(https.state == .closed)
        var binary = Self.machine()
        #expect(binary.helloRead(.notTLS(firstByte: 0x01), buffered: 3) == .close(.plaintext))
        var ssl = Self.machine(.firstBytes, plaintext: false)
        #expect(ssl.helloRead(.notTLS(firstByte: UInt8(ascii: "G")), buffered: 3) == .close(.plaintext))
    }

    @Test("a malformed hello and a bad SNI name close; a good one or none starts TLS")
    func helloOutcomes() {
        var malformed = Self.machine()
        #expect(malformed.helloRead(.malformed("x"), buffered: 9) == .close(.malformedHello("x")))
        var bad = Self.machine()
        #expect(bad.helloRead(.hello(serverName: [0x61, 0]), buffered: 9) == .close(.badServerName("holds byte 0x0")))
        var good = Self.machine()
        #expect(good.helloRead(.hello(serverName: Array("a.example".utf8)), buffered: 9) == .startTLS(serverName: "a.example"))
        #expect(good.state == .handshaking)
        #expect(good.helloRead(.needMore, buffered: 9) == .none)
        var none = Self.machine()
        #expect(none.helloRead(.hello(serverName: nil), buffered: 9) == .startTLS(serverName: nil))
    }

    @Test("HTTPS: the handshake activates the machine; bytes then flow; errors, stop and close are forwarded")
    func httpsEstablished() {
        var machine = Self.machine()
        _ = machine.helloRead(.hello(serverName: nil), buffered: 9)
        #expect(machine.decryptedRead() == .none)
        #expect(machine.handshakeCompleted(now: Self.now) == .activate)
        #expect(machine.state == .established)
        #expect(machine.handshakeCompleted(now: Self.now) == .none)
        #expect(machine.decryptedRead() == .forward)
        #expect(machine.deadlineFired() == .none)
        #expect(machine.errorCaught("boom") == .forward)
        #expect(machine.stopRequested() == .forward)
        #expect(machine.closed() == .forward)
        #expect(machine.state == .closed)
    }

    @Test("SSL router: the machine starts with the first decrypted bytes, within the first-bytes timeout")
    func sslRouterFirstBytes() {
        var machine = Self.machine(.firstBytes, plaintext: false)
        _ = machine.helloRead(.hello(serverName: nil), buffered: 9)
        #expect(machine.handshakeCompleted(now: Self.now) == .armTimer(Self.now + .seconds(30)))
        #expect(machine.state == .awaitingFirstBytes)
        #expect(machine.decryptedRead() == .activateAndForward)
        #expect(machine.decryptedRead() == .forward)
        var silent = Self.machine(.firstBytes, plaintext: false)
        _ = silent.helloRead(.hello(serverName: nil), buffered: 9)
        _ = silent.handshakeCompleted(now: Self.now)
        #expect(silent.deadlineFired() == .close(.noFirstBytes))
    }

    @Test("before the machine runs: the deadline, a TLS error and a stop close (counted); the close is not forwarded",
          arguments: [TLSAcceptStateMachine.State.awaitingHello, .handshaking])
    func earlyEnds(state: TLSAcceptStateMachine.State) {
        func at(_ state: TLSAcceptStateMachine.State) -> TLSAcceptStateMachine {
            var machine = Self.machine()
            if state == .handshaking { _ = machine.helloRead(.hello(serverName: nil), buffered: 9) }
            return machine
        }
        var timed = at(state)
        #expect(timed.deadlineFired() == .close(.handshakeTimeout))
        #expect(timed.deadlineFired() == .none)
        var failed = at(state)
        #expect(failed.errorCaught("no certificate") == .close(.handshakeFailed("no certificate")))
        #expect(failed.errorCaught("again") == .none)
        var stopped = at(state)
        #expect(stopped.stopRequested() == .close(.stopped))
        var closed = at(state)
        #expect(closed.closed() == .none)
        #expect(closed.state == .closed)
    }
}
