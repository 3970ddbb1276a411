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

    /// Writes the uwsgi packet (modifiers 0/0) in uWSGI's var order (§5.1 step 5).
    ///
    /// The whole packet is written through one reservation: `headEnd` bounds it, since each var
    /// copies at most its source line (the URI at most twice) plus a fixed overhead.
    func writePacket(
        _ p: UnsafeRawBufferPointer,
        requestLine r: RequestLine,
        headEnd: Int,
        connection: HTTPConnectionVars,
        into out: inout ByteBuffer
    ) throws(WireError) {
        let bound = UwsgiHeader.size + 2 * headEnd + 9 * self.lines.count + 128
            + (connection.serverNameAsHTTPHost ? 15 + Self.maximumHostLength : 0)
            + connection.storage.middle.readableBytes + connection.storage.trailing.readableBytes
        var size = 0
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { destination in
            guard let base = destination.baseAddress else { return 0 }
            var w = UwsgiVarWriter(base)
            w.count = UwsgiHeader.size
            self.writeVars(p, requestLine: r, connection: connection, into: &w)
            size = w.count - UwsgiHeader.size
            guard size <= UwsgiPacket.maximumVarBlockSize else { return 0 }
            // Header: modifier1 0, datasize, modifier2 0; the modifiers are set once the node is known.
            base.storeBytes(of: UInt32(size << 8).littleEndian, as: UInt32.self)
            return w.count
        }
        guard size <= UwsgiPacket.maximumVarBlockSize else {
            throw .packetTooLarge(size: size, limit: UwsgiPacket.maximumVarBlockSize)
        }
    }

    private func writeVars(
        _ p: UnsafeRawBufferPointer,
        requestLine r: RequestLine,
        connection: HTTPConnectionVars,
        into w: inout UwsgiVarWriter
    ) {
        w.item("REQUEST_METHOD", Self.slice(p, 0, r.methodEnd))
        // uWSGI emits PATH_INFO when it meets the `?`, before REQUEST_URI; without a query it
        // comes after REQUEST_URI, followed by an empty QUERY_STRING.
        if r.query >= 0 {
            Self.writePathInfo(Self.slice(p, r.uriStart, r.query), into: &w)
            w.item("REQUEST_URI", Self.slice(p, r.uriStart, r.uriEnd))
            w.item("QUERY_STRING", Self.slice(p, r.query + 1, r.uriEnd))
        } else {
            w.item("REQUEST_URI", Self.slice(p, r.uriStart, r.uriEnd))
            Self.writePathInfo(Self.slice(p, r.uriStart, r.uriEnd), into: &w)
            w.item("QUERY_STRING", Self.slice(p, 0, 0))
        }
        w.item("SERVER_PROTOCOL", Self.slice(p, r.protocolStart, r.lineEnd))
        w.item("SCRIPT_NAME", Self.slice(p, 0, 0))
        connection.storage.middle.withUnsafeReadableBytes { w.bytes($0) }

        for line in self.lines where !line.isDuplicate {
            if line.kind == .host && connection.serverNameAsHTTPHost {
                w.item("SERVER_NAME", Self.slice(p, line.valueStart, line.valueEnd))
            }
            self.writeHeader(p, line, into: &w)
        }
        connection.storage.trailing.withUnsafeReadableBytes { w.bytes($0) }
    }

    /// `HTTP_` + upper-cased name (`-` → `_`), value merged with its duplicates by `", "`.
    @inline(__always)
    private func writeHeader(_ p: UnsafeRawBufferPointer, _ line: Line, into w: inout UwsgiVarWriter) {
        if line.kind.hasHTTPPrefix {
            w.u16(line.nameCount + 5)
            w.bytes("HTTP_")
        } else {
            w.u16(line.nameCount)
        }
        for k in line.nameStart..<(line.nameStart + line.nameCount) {
            w.byte(HTTPHeaderKind.normalize(p[k]))
        }
        w.u16(line.mergedLength)
        w.bytes(Self.slice(p, line.valueStart, line.valueEnd))
        var next = line.nextDuplicate
        while next >= 0 {
            let duplicate = self.lines[next]
            w.bytes(", ")
            w.bytes(Self.slice(p, duplicate.valueStart, duplicate.valueEnd))
            next = duplicate.nextDuplicate
        }
    }

    /// PATH_INFO, percent-decoded straight into the output; its length is patched afterwards.
    @inline(__always)
    private static func writePathInfo(_ path: UnsafeRawBufferPointer, into w: inout UwsgiVarWriter) {
        w.item("PATH_INFO", Self.slice(path, 0, 0))
        let lengthAt = w.count - 2
        let decoded = PathInfoDecoder.decode(path, into: UnsafeMutableRawBufferPointer(start: w.base + w.count, count: path.count))
        w.count += decoded
        w.patchU16(at: lengthAt, decoded)
    }

    /// The input bytes `start..<end`.
    @inline(__always)
    static func slice(_ p: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: p.baseAddress.map { $0 + start }, count: end - start)
    }
}
