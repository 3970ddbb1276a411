import NIOCore

/// Turns an HTTP/1.x request head into the uwsgi packet uWSGI's http router would send (§5.1),
/// writing the packet straight from the request bytes into an output buffer.
///
/// One parser is meant to live per connection (or per event loop): it keeps a scratch list of
/// header positions whose capacity is reused, so a request costs no allocation beyond the
/// output buffer's growth. Body bytes after the head are never touched.
public struct HTTPHeadParser: Sendable {
    /// uWSGI's header buffer limit (64 KiB); also the largest head this parser accepts.
    public static let maximumHeadSizeLimit = 65536
    /// The longest `Host` value accepted as a routing key.
    public static let maximumHostLength = 255

    /// The largest head (request line through the blank line) accepted.
    public let maximumHeadSize: Int

    /// Where one header line sits in the input, and how it merges with same-named lines.
    struct Line {
        var nameStart: Int
        var nameCount: Int
        var valueStart: Int
        var valueEnd: Int
        var kind: HTTPHeaderKind
        /// The next line with the same name, or -1.
        var nextDuplicate: Int
        /// The last line of this name's chain (only meaningful on the first line).
        var lastDuplicate: Int
        /// A later line merged into an earlier one.
        var isDuplicate: Bool
        /// Length of the merged value (`a, b, …`), kept on the first line.
        var mergedLength: Int
    }

    var lines: [Line] = []
    /// Open-addressing table of first lines by name (line index + 1; 0 is empty), built only
    /// for heads with more than `linearMergeLimit` lines, so merging is never quadratic.
    var nameIndex: [Int32] = []
    /// Names in `nameIndex`.
    var nameIndexCount = 0

    /// `--http-manage-rtsp`: `RTSP/1.0` request lines are accepted (version `.rtsp`).
    public var acceptsRTSP = false

    /// Creates a parser; `maximumHeadSize` is capped at 64 KiB so every var fits its 16-bit length.
    public init(maximumHeadSize: Int = HTTPHeadParser.maximumHeadSizeLimit) {
        self.maximumHeadSize = max(16, min(maximumHeadSize, Self.maximumHeadSizeLimit))
        self.lines.reserveCapacity(32)
    }

    /// Parses the head at the start of `input`'s readable bytes and appends its uwsgi packet
    /// (modifiers 0/0, to be set once the node is chosen) to `out`.
    ///
    /// - Parameter searched: how many readable bytes an earlier call (that returned nil) has
    ///   already searched for the blank line; a caller fed byte by byte passes it so the search
    ///   does not restart from the beginning every time.
    /// - Returns: nil when the head is not complete yet (nothing is written); otherwise what the
    ///   router needs, with `headLength` telling where the body starts. `input` is not consumed.
    /// - Throws: `.headTooLarge`, `.malformedHTTP`, `.hostTooLong` or `.packetTooLarge`; `out` is
    ///   then left as it was.
    public mutating func parse(
        _ input: ByteBuffer,
        searched: Int = 0,
        connection: HTTPConnectionVars,
        into out: inout ByteBuffer
    ) throws(WireError) -> HTTPRequestHead? {
        let outStart = out.writerIndex
        do {
            return try input.withUnsafeReadableBytes { (bytes) throws(WireError) -> HTTPRequestHead? in
                try self.parse(bytes, base: input.readerIndex, searched: searched, connection: connection, into: &out)
            }
        } catch {
            out.moveWriterIndex(to: outStart)
            throw error
        }
    }

    /// Finds the end of a head: the index just past the first CRLFCRLF ending after `from`, or nil.
    static func headEnd(_ p: UnsafeRawBufferPointer, from: Int = 0, limit: Int) -> Int? {
        // Each LF found (a word at a time) ends a candidate window; the window before `from`
        // was searched already.
        var q = max(3, from)
        while q < limit {
            q = ByteSearch.firstIndex(of: .lf, in: p, from: q, end: limit)
            guard q < limit else { return nil }
            if p[q - 1] == .cr && p[q - 2] == .lf && p[q - 3] == .cr { return q + 1 }
            q += 1
        }
        return nil
    }

    private mutating func parse(
        _ p: UnsafeRawBufferPointer,
        base: Int,
        searched: Int,
        connection: HTTPConnectionVars,
        into out: inout ByteBuffer
    ) throws(WireError) -> HTTPRequestHead? {
        guard let headEnd = Self.headEnd(p, from: searched, limit: min(p.count, self.maximumHeadSize)) else {
            if p.count >= self.maximumHeadSize {
                throw .headTooLarge(size: p.count, limit: self.maximumHeadSize)
            }
            return nil
        }
        guard let start = p.baseAddress else { return nil }

        // Request line: METHOD SP URI SP PROTOCOL CRLF (a CRLF exists: the head ends in one).
        var lineEnd = 0
        while !(p[lineEnd] == .cr && p[lineEnd + 1] == .lf) { lineEnd += 1 }
        var j = 0
        while j < lineEnd && p[j] != .space {
            guard HTTPHeaderKind.isTokenByte(p[j]) else { throw .malformedHTTP(reason: "invalid byte \(p[j]) in the method") }
            j += 1
        }
        guard j > 0 else { throw .malformedHTTP(reason: "request line has no method") }
        guard j < lineEnd else { throw .malformedHTTP(reason: "request line has no URI") }
        let methodEnd = j
        let uriStart = j + 1
        j = uriStart
        var query = -1
        while j < lineEnd && p[j] != .space {
            let byte = p[j]
            guard byte > .space && byte != 0x7F else { throw .malformedHTTP(reason: "invalid byte \(byte) in the URI") }
            if byte == UInt8(ascii: "?") && query < 0 { query = j }
            j += 1
        }
        guard j > uriStart else { throw .malformedHTTP(reason: "request line has an empty URI") }
        guard j < lineEnd else { throw .malformedHTTP(reason: "request line has no protocol") }
        let uriEnd = j
        let protocolStart = j + 1
        guard lineEnd > protocolStart else { throw .malformedHTTP(reason: "request line has an empty protocol") }
        for k in protocolStart..<lineEnd where p[k] <= .space || p[k] == 0x7F {
            throw .malformedHTTP(reason: "invalid byte \(p[k]) in the protocol")
        }
        let version: HTTPRequestHead.Version
        if HTTPHeaderKind.matches(start + protocolStart, lineEnd - protocolStart, "HTTP/1.1") {
            version = .http11
        } else if HTTPHeaderKind.matches(start + protocolStart, lineEnd - protocolStart, "HTTP/1.0") {
            version = .http10
        } else if self.acceptsRTSP, lineEnd - protocolStart == 8, memcmpBytes(start + protocolStart, ("RTSP/1.0" as StaticString).utf8Start, 8) {
            version = .rtsp
        } else {
            // Only HTTP/<digit>.<digit> is HTTP; anything else (SPDY/3, RTSP/1.0 without
            // --http-manage-rtsp) is refused rather than forwarded as if it were.
            let length = lineEnd - protocolStart
            let s = protocolStart
            guard length == 8, HTTPHeaderKind.matches(start + s, 5, "HTTP/"),
                  (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p[s + 5]), p[s + 6] == UInt8(ascii: "."),
                  (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(p[s + 7]) else {
                throw .malformedHTTP(reason: "protocol is not HTTP/<major>.<minor>")
            }
            version = .other
        }

        try self.scanHeaders(p, from: lineEnd + 2, sectionEnd: headEnd - 2)
        var head = HTTPRequestHead(
            headLength: headEnd,
            packetStart: out.writerIndex,
            packetLength: 0,
            method: base..<(base + methodEnd),
            uri: (base + uriStart)..<(base + uriEnd),
            version: version,
            host: nil,
            contentLength: nil,
            hasTransferEncoding: false,
            isChunked: false,
            connectionClose: false,
            connectionUpgrade: false,
            isWebSocketUpgrade: false,
            expectsContinue: false
        )
        try self.interpretHeaders(p, base: base, into: &head)

        let requestLine = RequestLine(
            methodEnd: methodEnd, uriStart: uriStart, uriEnd: uriEnd, query: query,
            protocolStart: protocolStart, lineEnd: lineEnd
        )
        try self.writePacket(p, requestLine: requestLine, headEnd: headEnd, connection: connection, into: &out)
        head.packetLength = out.writerIndex - head.packetStart
        return head
    }

    /// Splits the header section into lines (continuation lines stay inside their value, as in
    /// uWSGI) and links same-named lines for merging.
    private mutating func scanHeaders(_ p: UnsafeRawBufferPointer, from sectionStart: Int, sectionEnd: Int) throws(WireError) {
        self.lines.removeAll(keepingCapacity: true)
        guard let start = p.baseAddress else { return }
        var pos = sectionStart
        while pos < sectionEnd {
            var end = pos
            var colon = -1
            // The name runs to the first colon; the section ends in CRLF, so both loops stop.
            while true {
                let byte = p[end]
                if byte == UInt8(ascii: ":") {
                    colon = end
                    end += 1
                    break
                }
                if byte == .cr || byte == .lf { break }
                end += 1
            }
            while true {
                let byte = p[end]
                // Value bytes above CR are the common case: one compare each.
                if byte > .cr {
                    end += 1
                    continue
                }
                if byte == .cr {
                    guard p[end + 1] == .lf else { throw .malformedHTTP(reason: "bare CR in a header line") }
                    let next = end + 2
                    if next < sectionEnd && (p[next] == .space || p[next] == .tab) {
                        end = next + 1
                        continue
                    }
                    break
                }
                if byte == .lf { throw .malformedHTTP(reason: "bare LF in a header line") }
                end += 1
            }
            guard colon >= 0 else { throw .malformedHTTP(reason: "header line without a colon") }
            guard colon > pos else { throw .malformedHTTP(reason: "header line with an empty name") }
            for k in pos..<colon where !HTTPHeaderKind.isTokenByte(p[k]) {
                throw .malformedHTTP(reason: "invalid byte \(p[k]) in a header name")
            }
            var valueStart = colon + 1
            while valueStart < end && p[valueStart] == .space { valueStart += 1 }

            let nameCount = colon - pos
            let kind = HTTPHeaderKind.classify(start + pos, count: nameCount)
            let index = self.lines.count
            var line = Line(
                nameStart: pos, nameCount: nameCount, valueStart: valueStart, valueEnd: end, kind: kind,
                nextDuplicate: -1, lastDuplicate: index, isDuplicate: false, mergedLength: end - valueStart
            )
            let earlier: Int
            if index < Self.linearMergeLimit {
                // The common head: a short scan beats hashing.
                earlier = self.firstLine(named: start + pos, count: nameCount, kind: kind, base: start)
            } else {
                earlier = self.indexedFirstLine(named: start + pos, count: nameCount, kind: kind, base: start, index: index)
            }
            if earlier >= 0 {
                line.isDuplicate = true
                self.lines[self.lines[earlier].lastDuplicate].nextDuplicate = index
                self.lines[earlier].lastDuplicate = index
                self.lines[earlier].mergedLength += 2 + (end - valueStart)
            }
            self.lines.append(line)
            pos = end + 2
        }
    }

    /// Two header names are the same uwsgi var when they match after uWSGI's normalisation.
    static func sameName(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        for i in 0..<count
        where HTTPHeaderKind.normalize(a.load(fromByteOffset: i, as: UInt8.self))
            != HTTPHeaderKind.normalize(b.load(fromByteOffset: i, as: UInt8.self)) {
            return false
        }
        return true
    }
}

extension UInt8 {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
}
