import NIOCore

extension UwsgiVars {
    /// The fastrouter's routing key (uWSGI's `fr_get_hostname`, §5.3), read in one walk:
    /// the first `UWSGI_FASTROUTER_KEY`, else the last `HTTP_HOST`, else the first `SERVER_NAME`.
    ///
    /// Values longer than `maximumLength` are ignored, as uWSGI does; nil when no var qualifies.
    /// The result is a slice of the block (no copy).
    public func routingKey(maximumLength: Int = 255) -> ByteBuffer? {
        let range = self.block.withUnsafeReadableBytes { bytes -> Range<Int>? in
            guard let base = bytes.baseAddress else { return nil }
            var forced: Range<Int>?
            var host: Range<Int>?
            var serverName: Range<Int>?
            Self.forEachItem(bytes) { keyStart, keyLength, value in
                guard value.count <= maximumLength else { return true }
                let key = base + keyStart
                switch keyLength {
                case 20 where forced == nil && Self.equals(key, "UWSGI_FASTROUTER_KEY"):
                    forced = value
                    return false  // nothing overrides it
                case 9 where Self.equals(key, "HTTP_HOST"):
                    host = value
                case 11 where serverName == nil && Self.equals(key, "SERVER_NAME"):
                    serverName = value
                default:
                    break
                }
                return true
            }
            return forced ?? host ?? serverName
        }
        return range.flatMap { self.block.getSlice(at: self.block.readerIndex + $0.lowerBound, length: $0.count) }
    }

    private static func equals(_ key: UnsafeRawPointer, _ name: StaticString) -> Bool {
        memcmpBytes(key, name.utf8Start, name.utf8CodeUnitCount)
    }
}
