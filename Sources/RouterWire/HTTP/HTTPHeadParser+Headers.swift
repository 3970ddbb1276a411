extension HTTPHeadParser {
    /// Reads the headers the router acts on (Host, Content-Length, Transfer-Encoding,
    /// Connection, the WebSocket trio, Expect) and refuses ambiguous framing.
    func interpretHeaders(_ p: UnsafeRawBufferPointer, base: Int, into head: inout HTTPRequestHead) throws(WireError) {
        var upgradeWebSocket = false
        var webSocketVersion = false
        var webSocketKey = false
        for line in self.lines where !line.isDuplicate {
            switch line.kind {
            case .other, .contentType, .trailers, .contentEncoding, .uwsgiEncoding:
                continue
            case .acceptEncoding:
                // uWSGI looks for the substring anywhere in the value.
                var current = line
                while true {
                    if Self.contains(p, current.valueStart, current.valueEnd, "gzip") { head.acceptsGzip = true }
                    guard current.nextDuplicate >= 0 else { break }
                    current = self.lines[current.nextDuplicate]
                }
            case .host:
                guard line.nextDuplicate < 0 else { throw .malformedHTTP(reason: "more than one Host header") }
                let length = line.valueEnd - line.valueStart
                guard length <= Self.maximumHostLength else {
                    throw .hostTooLong(length: length, limit: Self.maximumHostLength)
                }
                head.host = (base + line.valueStart)..<(base + line.valueEnd)
            case .contentLength:
                guard line.nextDuplicate < 0 else { throw .malformedHTTP(reason: "more than one Content-Length header") }
                head.contentLength = try Self.contentLength(p, line.valueStart, line.valueEnd)
            case .transferEncoding:
                head.hasTransferEncoding = true
                // Only the final coding decides whether the body is chunked.
                var last = false
                self.forEachToken(p, of: line) { token in
                    last = HTTPHeaderKind.equalsIgnoringCase(token, "chunked")
                }
                head.isChunked = last
            case .connection:
                self.forEachToken(p, of: line) { token in
                    if HTTPHeaderKind.equalsIgnoringCase(token, "close") { head.connectionClose = true }
                    if HTTPHeaderKind.equalsIgnoringCase(token, "upgrade") { head.connectionUpgrade = true }
                }
            case .upgrade:
                self.forEachToken(p, of: line) { token in
                    if HTTPHeaderKind.equalsIgnoringCase(token, "websocket") { upgradeWebSocket = true }
                }
            case .secWebSocketVersion:
                webSocketVersion = true
            case .secWebSocketKey:
                webSocketKey = line.mergedLength > 0
            case .expect:
                head.expectsContinue = line.nextDuplicate < 0
                    && HTTPHeaderKind.equalsIgnoringCase(Self.slice(p, line.valueStart, line.valueEnd), "100-continue")
            }
        }
        if head.contentLength != nil && head.hasTransferEncoding {
            throw .malformedHTTP(reason: "both Content-Length and Transfer-Encoding are present")
        }
        let signals = (upgradeWebSocket ? 1 : 0) + (head.connectionUpgrade ? 1 : 0) + (webSocketVersion ? 1 : 0)
        head.isWebSocketUpgrade = signals >= 2 && webSocketKey
    }

    /// True when `p[start..<end]` contains `needle` (ASCII, case-insensitive).
    static func contains(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard end - start >= count else { return false }
        for i in start...(end - count) {
            var matched = true
            for k in 0..<count where p[i + k] | 0x20 != needle.utf8Start[k] | 0x20 {
                matched = false
                break
            }
            if matched { return true }
        }
        return false
    }

    /// Plain decimal digits that fit an `Int`; anything else (sign, spaces, a list) is refused.
    static func contentLength(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int) throws(WireError) -> Int {
        guard end > start else { throw .malformedHTTP(reason: "empty Content-Length") }
        guard end - start <= 18 else { throw .malformedHTTP(reason: "Content-Length out of range") }
        var value = 0
        for k in start..<end {
            let byte = p[k]
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else {
                throw .malformedHTTP(reason: "Content-Length is not a decimal number")
            }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Calls `body` with each comma-separated token (trimmed of spaces and tabs) of a header and
    /// its duplicates, in arrival order.
    func forEachToken(_ p: UnsafeRawBufferPointer, of line: Line, _ body: (UnsafeRawBufferPointer) -> Void) {
        var current = line
        while true {
            Self.forEachToken(p, current.valueStart, current.valueEnd, body)
            guard current.nextDuplicate >= 0 else { return }
            current = self.lines[current.nextDuplicate]
        }
    }

    /// Calls `body` with each comma-separated token (trimmed of spaces and tabs) of the value
    /// `start..<end`; empty tokens are skipped.
    static func forEachToken(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ body: (UnsafeRawBufferPointer) -> Void) {
        var tokenStart = start
        var k = start
        while k <= end {
            if k == end || p[k] == UInt8(ascii: ",") {
                var a = tokenStart
                var b = k
                while a < b && (p[a] == .space || p[a] == .tab) { a += 1 }
                while b > a && (p[b - 1] == .space || p[b - 1] == .tab) { b -= 1 }
                if b > a { body(Self.slice(p, a, b)) }
                tokenStart = k + 1
            }
            k += 1
        }
    }
}

extension HTTPHeaderKind {
    /// ASCII case-insensitive comparison of raw bytes with a lower-case constant.
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for i in 0..<bytes.count {
            var byte = bytes[i]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte &+= 32 }
            if byte != expected[i] { return false }
        }
        return true
    }
}
