import Foundation
import NIOCore
import Testing
@testable import RouterWire

@Suite("Numbers from the wire are bounded")
struct HostileNumberTests {
    static func vars(_ pairs: [(String, String)]) throws(WireError) -> UwsgiVars {
        var block = ByteBuffer()
        for (key, value) in pairs {
            block.writeInteger(UInt16(key.utf8.count), endianness: .little)
            block.writeString(key)
            block.writeInteger(UInt16(value.utf8.count), endianness: .little)
            block.writeString(value)
        }
        return try UwsgiVars(validating: block)
    }

    @Test("CONTENT_LENGTH: absent, empty, plain digits up to 18 digits are read")
    func validLengths() throws {
        #expect(try Self.vars([("A", "b")]).contentLength() == nil)
        #expect(try Self.vars([("CONTENT_LENGTH", "")]).contentLength() == 0)
        #expect(try Self.vars([("CONTENT_LENGTH", "0042")]).contentLength() == 42)
        #expect(try Self.vars([("CONTENT_LENGTH", "999999999999999999")]).contentLength() == 999_999_999_999_999_999)
    }

    @Test("CONTENT_LENGTH out of range or not digits is a typed error naming the var and the bound",
          arguments: ["9223372036854775807", "1000000000000000000", "18446744073709551616", "-1", "+1", " 1", "1e3", "0x10"])
    func invalidLengths(value: String) throws {
        do {
            _ = try Self.vars([("CONTENT_LENGTH", value)]).contentLength()
            Issue.record("accepted \(value)")
        } catch {
            guard case .invalidVarNumber(let key, _, let limit) = error else { Issue.record("wrong error \(error)"); return }
            #expect(key == "CONTENT_LENGTH")
            #expect(limit == UwsgiVars.maximumContentLength)
            #expect(error.description.contains("CONTENT_LENGTH"))
        }
    }

    @Test("an attacker-chosen value is shown short and printable in the error")
    func printableError() throws {
        let value = "\u{1B}[2J" + String(repeating: "9", count: 100)
        do {
            _ = try Self.vars([("CONTENT_LENGTH", value)]).contentLength()
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("\u{1B}"))
            #expect(error.description.count < 160)
        }
    }
}

@Suite("HTTP header merging past the linear limit")
struct HeaderMergeIndexTests {
    static func parse(_ head: String) throws -> [String: String] {
        var parser = HTTPHeadParser()
        var out = ByteBuffer()
        let input = ByteBuffer(string: head)
        let parsed = try parser.parse(input, connection: HTTPHeadParserTests.connection, into: &out)
        #expect(parsed != nil)
        var packet = out
        var decoder = UwsgiPacketDecoder()
        let decoded = try #require(try decoder.decodePacket(buffer: &packet))
        var vars: [String: String] = [:]
        for (key, value) in decoded.vars.stringPairs { vars[key] = value }
        return vars
    }

    @Test("duplicates far apart and after many distinct names are merged as with few headers")
    func mergesThroughIndex() throws {
        var head = "GET / HTTP/1.1\r\nHost: h\r\nX-Dup: a\r\n"
        for i in 0..<300 { head += "X-N\(i): v\(i)\r\n" }
        head += "x-dup: b\r\nX_DUP: c\r\nX-N7: again\r\n\r\n"
        let vars = try Self.parse(head)
        #expect(vars["HTTP_X_DUP"] == "a, b, c")
        #expect(vars["HTTP_X_N7"] == "v7, again")
        #expect(vars["HTTP_X_N299"] == "v299")
        #expect(vars.keys.filter { $0.hasPrefix("HTTP_X_N") }.count == 300)
    }

    @Test("the same head gives the same vars on a parser reused after a large head")
    func reuseAfterLargeHead() throws {
        var parser = HTTPHeadParser()
        var large = "GET / HTTP/1.1\r\nHost: h\r\n"
        for i in 0..<2000 { large += "A\(i): 1\r\n" }
        large += "\r\n"
        var out = ByteBuffer()
        _ = try parser.parse(ByteBuffer(string: large), connection: HTTPHeadParserTests.connection, into: &out)
        var small = "GET / HTTP/1.1\r\nHost: h\r\n"
        for i in 0..<20 { small += "B\(i % 10): \(i)\r\n" }
        small += "\r\n"
        var second = ByteBuffer()
        _ = try parser.parse(ByteBuffer(string: small), connection: HTTPHeadParserTests.connection, into: &second)
        let fresh = try Self.parse(small)
        var packet = second
        var decoder = UwsgiPacketDecoder()
        let decoded = try #require(try decoder.decodePacket(buffer: &packet))
        var vars: [String: String] = [:]
        for (key, value) in decoded.vars.stringPairs { vars[key] = value }
        #expect(vars == fresh)
        #expect(vars["HTTP_B3"] == "3, 13")
    }

    @Test("a 64 KiB head of distinct names parses in time linear in its size")
    func distinctNamesAreLinear() throws {
        func head(_ count: Int) -> ByteBuffer {
            var text = "GET / HTTP/1.1\r\nHost: h\r\n"
            for i in 0..<count { text += "\(String(i, radix: 36)):\r\n" }
            return ByteBuffer(string: text + "\r\n")
        }
        /// This thread's CPU time: what the parse costs, whatever else the machine runs (wall
        /// time in a full run measured other threads' work as well, 2x off in one of them).
        func cpuTime() -> Duration {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
        }
        func cost(_ input: ByteBuffer) throws -> Duration {
            var parser = HTTPHeadParser()
            var best = Duration.seconds(1000)
            // Best of 7: caches and page faults differ between runs.
            for _ in 0..<7 {
                var out = ByteBuffer()
                let start = cpuTime()
                _ = try parser.parse(input, connection: HTTPHeadParserTests.connection, into: &out)
                best = min(best, cpuTime() - start)
            }
            return best
        }
        let small = try cost(head(500))
        let large = try cost(head(4000))
        // Quadratic merging makes 8x the names cost 64x; linear, about 8x.
        #expect(large < small * 24, "500 names: \(small), 4000 names: \(large)")
    }
}
