import NIOCore
import Testing
@testable import FleetClient

#if canImport(Glibc)
import Glibc
#endif

/// The raw-socket exchange alone, without a socket: connect outcomes, the request sent in
/// pieces, reads in place, early closes, limits and the deadline.
@Suite struct RawExchangeStateMachineTests {
    private func machine(request: String? = nil, framing: ResponseReadStateMachine.Framing = .untilClose, limit: Int = 1 << 20) -> RawExchangeStateMachine {
        RawExchangeStateMachine(request: request.map { ByteBuffer(string: $0) }, reader: ResponseReadStateMachine(framing: framing, limit: limit))
    }

    /// Reads `bytes` into the machine in pieces of at most `piece`, as a socket would give them.
    private func feed(_ bytes: [UInt8], piece: Int, into machine: inout RawExchangeStateMachine)
        -> Result<ResponseReadStateMachine.Response, ExchangeFailure>? {
        var offset = 0
        while offset < bytes.count {
            var wrote = 0
            let outcome = machine.received(atMost: piece) { room in
                wrote = min(room.count, bytes.count - offset)
                room.copyBytes(from: bytes[offset..<(offset + wrote)])
                return wrote
            }
            if let outcome { return outcome }
            #expect(wrote > 0)
            offset += wrote
        }
        return nil
    }

    @Test func refusedConnectIsRefused() {
        var exchange = machine()
        #expect(exchange.isConnecting)
        let failure = exchange.connectFinished(error: ECONNREFUSED)
        guard case .refused? = failure else {
            Issue.record("expected refused, got \(String(describing: failure))")
            return
        }
        #expect(exchange.isDone)
        #expect(exchange.next == nil)
    }

    @Test func fullListenQueueIsRefusedAndOtherErrorsUnreachable() {
        var full = machine()
        #expect(full.connectFinished(error: EAGAIN) == .refused(reason: "listen queue full"))
        var unreachable = machine()
        guard case .unreachable? = unreachable.connectFinished(error: ENETUNREACH) else {
            Issue.record("expected unreachable")
            return
        }
    }

    @Test func aResetReportedAsTheConnectsEndMeansItWasUp() {
        var exchange = machine()
        #expect(exchange.connectFinished(error: ECONNRESET) == .connection(reason: String(cString: strerror(ECONNRESET))))
        #expect(exchange.connected)
        #expect(exchange.isDone)
    }

    @Test func rawAnswerIsReadUntilClose() throws {
        let bytes = Array(repeating: UInt8(ascii: "x"), count: 10_000)
        for piece in [1, 7, 4096, 65536] {
            var exchange = machine()
            #expect(exchange.connectFinished(error: 0) == nil)
            #expect(exchange.next == .read)
            #expect(feed(bytes, piece: piece, into: &exchange) == nil)
            let response = try exchange.endOfInput().get()
            #expect(Array(response.body.readableBytesView) == bytes)
            #expect(response.head == nil)
            #expect(exchange.isDone)
        }
    }

    @Test func requestIsSentInPiecesBeforeReading() throws {
        var exchange = machine(request: "GET / HTTP/1.0\r\n\r\n", framing: .http)
        #expect(exchange.next == nil)
        #expect(exchange.connectFinished(error: 0) == nil)
        #expect(exchange.next == .send(ByteBuffer(string: "GET / HTTP/1.0\r\n\r\n")))
        exchange.sent(4)
        #expect(exchange.next == .send(ByteBuffer(string: "/ HTTP/1.0\r\n\r\n")))
        exchange.sent(0)
        #expect(exchange.next == .send(ByteBuffer(string: "/ HTTP/1.0\r\n\r\n")))
        exchange.sent(14)
        #expect(exchange.next == .read)
        let answer = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".utf8)
        let response = try #require(feed(answer, piece: 5, into: &exchange)).get()
        #expect(response.head?.status == 200)
        #expect(String(buffer: response.body) == "{}")
    }

    @Test func emptyRequestGoesStraightToReading() {
        var exchange = machine(request: "")
        #expect(exchange.connectFinished(error: 0) == nil)
        #expect(exchange.next == .read)
    }

    @Test func readingNothingChangesNothing() throws {
        var exchange = machine()
        _ = exchange.connectFinished(error: 0)
        #expect(exchange.received(atMost: 100) { _ in -1 } == nil)
        #expect(exchange.received(atMost: 100) { _ in 0 } == nil)
        #expect(exchange.endOfInput() == .failure(.read(.closedEarly(received: 0, expected: nil))))
    }

    @Test func answerOverTheLimitIsTooLargeAndReadsNeverPassIt() {
        var exchange = machine(limit: 100)
        _ = exchange.connectFinished(error: 0)
        #expect(exchange.readAllowance == 101)
        var offered: [Int] = []
        var outcome: Result<ResponseReadStateMachine.Response, ExchangeFailure>?
        for _ in 0..<10 where outcome == nil {
            outcome = exchange.received(atMost: 64) { room in
                offered.append(room.count)
                room.initializeMemory(as: UInt8.self, repeating: UInt8(ascii: "x"))
                return room.count
            }
        }
        #expect(outcome == .failure(.read(.tooLarge(limit: 100))))
        #expect(offered == [64, 37])
        #expect(exchange.isDone)
        #expect(exchange.readAllowance == 0)
    }

    @Test func closeBeforeTheAnswerIsClosedEarly() {
        var exchange = machine(request: "GET / HTTP/1.0\r\n\r\n", framing: .http)
        _ = exchange.connectFinished(error: 0)
        #expect(exchange.endOfInput() == .failure(.read(.closedEarly(received: 0, expected: nil))))
        #expect(exchange.isDone)
    }

    @Test func errorsBeforeAndAfterTheConnectAreTold() {
        var connecting = machine()
        #expect(connecting.failed(error: ECONNREFUSED) == .refused(reason: String(cString: strerror(ECONNREFUSED))))
        var connected = machine()
        _ = connected.connectFinished(error: 0)
        #expect(connected.failed(error: ECONNRESET) == .connection(reason: String(cString: strerror(ECONNRESET))))
    }

    @Test func deadlineSaysWhetherTheConnectionWasUp() {
        var connecting = machine()
        #expect(connecting.deadlinePassed() == .timeout(connected: false))
        #expect(connecting.isDone)
        var reading = machine()
        _ = reading.connectFinished(error: 0)
        #expect(reading.deadlinePassed() == .timeout(connected: true))
    }

    @Test func deadlinesSaturate() {
        let now = RawExchangeLoop.deadline(after: .zero)
        #expect(RawExchangeLoop.deadline(after: .seconds(Int64.max)) == UInt64.max)
        #expect(RawExchangeLoop.deadline(after: .seconds(-5)) >= 1)
        let later = RawExchangeLoop.deadline(after: .seconds(2))
        #expect(later >= now + 2_000_000_000)
    }
}

extension Result where Success == ResponseReadStateMachine.Response, Failure == ExchangeFailure {
    /// Equal failures (responses are compared by the tests themselves).
    static func == (lhs: Self, rhs: Self) -> Bool {
        if case let .failure(left) = lhs, case let .failure(right) = rhs { return left == right }
        return false
    }

    static func == (lhs: Self?, rhs: Self) -> Bool {
        guard let lhs else { return false }
        return lhs == rhs
    }
}
