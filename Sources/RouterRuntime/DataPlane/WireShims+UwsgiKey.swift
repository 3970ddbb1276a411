import NIOCore

/// The outcome of looking at the start of a fastrouter client's stream.
enum UwsgiKeySniff: Equatable {
    /// The header and var block have not fully arrived.
    case needMore
    /// The var block is complete; `key` is the routing key (empty if none).
    case complete(key: ByteBuffer)
    /// The packet is invalid; the reason names the problem.
    case invalid(String)
}

extension WireShims {
    /// Reads the uwsgi header and var block at the start of `bytes` and picks the fastrouter key:
    /// UWSGI_FASTROUTER_KEY > HTTP_HOST > SERVER_NAME, values over 255 bytes ignored (§5.3).
    static func sniffFastrouterKey(_ bytes: ByteBuffer, maxVarBlock: Int) -> UwsgiKeySniff {
        guard bytes.readableBytes >= 4,
            let size = bytes.getInteger(at: bytes.readerIndex + 1, endianness: .little, as: UInt16.self)
        else { return .needMore }
        let blockSize = Int(size)
        if blockSize > maxVarBlock { return .invalid("var block of \(blockSize) bytes over the limit \(maxVarBlock)") }
        guard bytes.readableBytes >= 4 + blockSize else { return .needMore }
        var forced: Range<Int>?
        var host: Range<Int>?
        var serverName: Range<Int>?
        let failure: String? = bytes.withUnsafeReadableBytes { p in
            var at = 4
            let end = 4 + blockSize
            while at < end {
                guard at + 2 <= end else { return "item length past the var block at offset \(at - 4)" }
                let keyLength = Int(p[at]) | Int(p[at + 1]) << 8
                guard keyLength > 0 else { return "empty key at offset \(at - 4)" }
                let keyStart = at + 2
                guard keyStart + keyLength + 2 <= end else { return "item past the var block at offset \(at - 4)" }
                let valueLengthAt = keyStart + keyLength
                let valueLength = Int(p[valueLengthAt]) | Int(p[valueLengthAt + 1]) << 8
                let valueStart = valueLengthAt + 2
                guard valueStart + valueLength <= end else { return "value past the var block at offset \(at - 4)" }
                if valueLength <= 255 {
                    let range = valueStart..<valueStart + valueLength
                    switch keyLength {
                    case 20 where matches(p, keyStart, "UWSGI_FASTROUTER_KEY"): if forced == nil { forced = range }
                    case 9 where matches(p, keyStart, "HTTP_HOST"): host = range
                    case 11 where matches(p, keyStart, "SERVER_NAME"): if serverName == nil { serverName = range }
                    default: break
                    }
                }
                at = valueStart + valueLength
            }
            return nil
        }
        if let failure { return .invalid(failure) }
        guard let range = forced ?? host ?? serverName,
            let key = bytes.getSlice(at: bytes.readerIndex + range.lowerBound, length: range.count)
        else { return .complete(key: ByteBuffer()) }
        return .complete(key: key)
    }

    @inline(__always) private static func matches(_ p: UnsafeRawBufferPointer, _ at: Int, _ word: StaticString) -> Bool {
        let w = word.utf8Start
        for k in 0..<word.utf8CodeUnitCount where p[at + k] != w[k] {
            return false
        }
        return true
    }
}
