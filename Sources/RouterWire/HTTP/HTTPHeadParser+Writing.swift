import NIOCore

extension HTTPHeadParser {
    /// Offsets of the request line's parts in the input.
    struct RequestLine {
        var methodEnd: Int
        var uriStart: Int
        var uriEnd: Int
        /// The first `?` in the URI, or -1.
        var query: Int
        var protocolStart: Int
        var lineEnd: Int
    }

    /// Writes the uwsgi packet in uWSGI's var order (§5.1 step 5).
    func writePacket(
        _ p: UnsafeRawBufferPointer,
        requestLine r: RequestLine,
        connection: HTTPConnectionVars,
        into out: inout ByteBuffer
    ) throws(WireError) {
        // Generous: every head byte may appear twice (URI and PATH_INFO) plus per-item overhead.
        out.reserveCapacity(
            minimumWritableBytes: 2 * r.lineEnd + (self.lines.last?.valueEnd ?? r.lineEnd) + 8 * self.lines.count
                + connection.middle.readableBytes + connection.trailing.readableBytes + 160
        )
        let packetStart = UwsgiPacketEncoder.beginPacket(in: &out)

        Self.writeItem("REQUEST_METHOD", p, 0, r.methodEnd, into: &out)
        // uWSGI emits PATH_INFO when it meets the `?`, before REQUEST_URI; without a query it
        // comes after REQUEST_URI, followed by an empty QUERY_STRING.
        if r.query >= 0 {
            Self.writePathInfo(p, r.uriStart, r.query, into: &out)
            Self.writeItem("REQUEST_URI", p, r.uriStart, r.uriEnd, into: &out)
            Self.writeItem("QUERY_STRING", p, r.query + 1, r.uriEnd, into: &out)
        } else {
            Self.writeItem("REQUEST_URI", p, r.uriStart, r.uriEnd, into: &out)
            Self.writePathInfo(p, r.uriStart, r.uriEnd, into: &out)
            Self.writeItem("QUERY_STRING", p, 0, 0, into: &out)
        }
        Self.writeItem("SERVER_PROTOCOL", p, r.protocolStart, r.lineEnd, into: &out)
        Self.writeItem("SCRIPT_NAME", p, 0, 0, into: &out)
        out.writeImmutableBuffer(connection.middle)

        for line in self.lines where !line.isDuplicate {
            if line.kind == .host && connection.serverNameAsHTTPHost {
                Self.writeItem("SERVER_NAME", p, line.valueStart, line.valueEnd, into: &out)
            }
            try self.writeHeader(p, line, into: &out)
        }
        out.writeImmutableBuffer(connection.trailing)
        try UwsgiPacketEncoder.finishPacket(startedAt: packetStart, in: &out)
    }

    /// `HTTP_` + upper-cased name (`-` → `_`), value merged with its duplicates by `", "`.
    private func writeHeader(_ p: UnsafeRawBufferPointer, _ line: Line, into out: inout ByteBuffer) throws(WireError) {
        let prefixed = line.kind.hasHTTPPrefix
        let keyLength = line.nameCount + (prefixed ? 5 : 0)
        guard keyLength <= Int(UInt16.max), line.mergedLength <= Int(UInt16.max) else {
            throw .packetTooLarge(size: max(keyLength, line.mergedLength), limit: Int(UInt16.max))
        }
        out.writeInteger(UInt16(keyLength), endianness: .little)
        if prefixed {
            out.writeStaticString("HTTP_")
        }
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: line.nameCount) { destination in
            for k in 0..<line.nameCount {
                destination[k] = HTTPHeaderKind.normalize(p[line.nameStart + k])
            }
            return line.nameCount
        }
        out.writeInteger(UInt16(line.mergedLength), endianness: .little)
        out.writeBytes(UnsafeRawBufferPointer(rebasing: p[line.valueStart..<line.valueEnd]))
        var next = line.nextDuplicate
        while next >= 0 {
            let duplicate = self.lines[next]
            out.writeStaticString(", ")
            out.writeBytes(UnsafeRawBufferPointer(rebasing: p[duplicate.valueStart..<duplicate.valueEnd]))
            next = duplicate.nextDuplicate
        }
    }

    /// One item whose value is the input bytes `start..<end` (the head limit keeps it < 64 KiB).
    @inline(__always)
    private static func writeItem(_ key: StaticString, _ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int, into out: inout ByteBuffer) {
        out.writeInteger(UInt16(key.utf8CodeUnitCount), endianness: .little)
        out.writeStaticString(key)
        out.writeInteger(UInt16(end - start), endianness: .little)
        out.writeBytes(UnsafeRawBufferPointer(rebasing: p[start..<end]))
    }

    /// PATH_INFO, percent-decoded straight into the output; its length is patched afterwards.
    private static func writePathInfo(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int, into out: inout ByteBuffer) {
        out.writeInteger(UInt16(9), endianness: .little)
        out.writeStaticString("PATH_INFO")
        let lengthIndex = out.writerIndex
        out.writeInteger(UInt16(0), endianness: .little)
        let decoded = out.writeWithUnsafeMutableBytes(minimumWritableBytes: end - start) { destination in
            PathInfoDecoder.decode(UnsafeRawBufferPointer(rebasing: p[start..<end]), into: destination)
        }
        out.setInteger(UInt16(decoded), at: lengthIndex, endianness: .little)
    }
}
