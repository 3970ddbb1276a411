import NIOCore
import Testing
@testable import FleetClient

/// The answer reader alone: framing, splits, limits, early closes.
@Suite struct ResponseReadStateMachineTests {
    /// Feeds `bytes` in pieces cut at `cuts`, then the close if nothing completed.
    private func read(
        _ bytes: [UInt8], framing: ResponseReadStateMachine.Framing, limit: Int = 1 << 20, cuts: [Int] = []
    ) throws(ResponseReadStateMachine.Failure) -> ResponseReadStateMachine.Response {
        var reader = ResponseReadStateMachine(framing: framing, limit: limit)
        var start = 0
        for cut in (cuts.filter { $0 > 0 && $0 < bytes.count }.sorted() + [bytes.count]) where cut > start {
            if case let .complete(response) = try reader.received(ByteBuffer(bytes: bytes[start..<cut])) { return response }
            start = cut
        }
        return try reader.closed()
    }

    /// Deterministic random cut points.
    private func cuts(count: Int, seed: UInt64, length: Int) -> [Int] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(max(length, 1)))
        }
    }

    @Test func untilCloseCollectsEverything() throws {
        let bytes = Array("{\"a\":1}".utf8)
        for seed in 0..<20 as Range<UInt64> {
            let response = try read(bytes, framing: .untilClose, cuts: cuts(count: 3, seed: seed, length: bytes.count))
            #expect(Array(response.body.readableBytesView) == bytes)
            #expect(response.head == nil)
        }
    }

    @Test func readsThatStartMidBufferKeepOnlyTheirReadableBytes() throws {
        for framing in [ResponseReadStateMachine.Framing.untilClose, .http] {
            var reader = ResponseReadStateMachine(framing: framing, limit: 1 << 20)
            let prefix = framing == .http ? "HTTP/1.0 200 OK\r\n\r\n" : ""
            var first = ByteBuffer(string: "junk" + prefix + "{\"a\":")
            first.moveReaderIndex(forwardBy: 4)
            var second = ByteBuffer(string: "xy1}")
            second.moveReaderIndex(forwardBy: 2)
            _ = try reader.received(first)
            _ = try reader.received(second)
            // The first read is kept as is; the second is appended after its readable bytes.
            #expect(String(buffer: try reader.closed().body) == "{\"a\":1}")
        }
    }

    @Test func httpWithContentLengthCompletesWithoutClose() throws {
        let bytes = Array("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\":1}".utf8)
        for seed in 0..<40 as Range<UInt64> {
            var reader = ResponseReadStateMachine(framing: .http, limit: 100)
            var completed: ResponseReadStateMachine.Response?
            var start = 0
            for cut in cuts(count: 4, seed: seed, length: bytes.count).sorted() + [bytes.count] where cut > start {
                if case let .complete(response) = try reader.received(ByteBuffer(bytes: bytes[start..<cut])) { completed = response }
                start = cut
            }
            let response = try #require(completed, "seed \(seed)")
            #expect(response.head?.status == 200)
            #expect(String(buffer: response.body) == "{\"a\":1}")
        }
    }

    @Test func httpWithoutLengthEndsAtClose() throws {
        let bytes = Array("HTTP/1.0 200 OK\nConnection: close\n\n{}".utf8)
        let response = try read(bytes, framing: .http, cuts: [3, 20])
        #expect(response.head?.version == "HTTP/1.0")
        #expect(response.head?.value(of: "CONNECTION") == "close")
        #expect(String(buffer: response.body) == "{}")
    }

    @Test func bytesPastContentLengthAreDropped() throws {
        let response = try read(Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}garbage".utf8), framing: .http)
        #expect(String(buffer: response.body) == "{}")
    }

    @Test func closedEarlyCountsBodyBytes() {
        #expect(throws: ResponseReadStateMachine.Failure.closedEarly(received: 3, expected: 10)) {
            try read(Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".utf8), framing: .http)
        }
        #expect(throws: ResponseReadStateMachine.Failure.closedEarly(received: 0, expected: nil)) {
            try read([], framing: .http)
        }
        #expect(throws: ResponseReadStateMachine.Failure.closedEarly(received: 0, expected: nil)) {
            try read([], framing: .untilClose)
        }
    }

    @Test func limitsApply() {
        #expect(throws: ResponseReadStateMachine.Failure.tooLarge(limit: 4)) {
            try read(Array("12345".utf8), framing: .untilClose, limit: 4, cuts: [2])
        }
        #expect(throws: ResponseReadStateMachine.Failure.tooLarge(limit: 4)) {
            try read(Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n".utf8), framing: .http, limit: 4)
        }
        #expect(throws: ResponseReadStateMachine.Failure.tooLarge(limit: 4)) {
            try read(Array("HTTP/1.0 200 OK\r\n\r\n12345".utf8), framing: .http, limit: 4)
        }
    }

    @Test(arguments: [
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "SSH-2.0-OpenSSH\r\n\r\n",
        "{\"version\":\"2.0\"}",
        "HTTP/1.1 200 OK\r\nbroken header\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: many\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Le",
    ])
    func malformedHeadsAreRejected(text: String) {
        #expect {
            try read(Array(text.utf8), framing: .http)
        } throws: { error in
            guard case .malformedHTTP? = error as? ResponseReadStateMachine.Failure else { return false }
            return true
        }
    }
}
