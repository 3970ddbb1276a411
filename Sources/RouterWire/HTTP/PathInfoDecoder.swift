/// Percent-decodes a request path into PATH_INFO the way uWSGI 2.0's `http_url_decode` does,
/// except where uWSGI produces garbage.
///
/// Kept from uWSGI: `%HH` becomes the byte, `%%` becomes `%`, nothing else is touched (no
/// dot-segment removal, `#` is kept: that is master-only behaviour). Changed: uWSGI turns an
/// invalid escape (`%zz`, lowercase hex in 2.0) into a NUL byte and drops a `%` or `%H` at the
/// end; here lowercase hex decodes and any invalid or unfinished escape is copied as is.
enum PathInfoDecoder {
    /// Decodes `source` into `destination` (which must hold at least `source.count` bytes);
    /// returns the decoded length, never more than the source length.
    static func decode(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) -> Int {
        let count = source.count
        var read = 0
        var written = 0
        while read < count {
            let byte = source[read]
            if byte == UInt8(ascii: "%") {
                if read + 1 < count, source[read + 1] == UInt8(ascii: "%") {
                    destination[written] = UInt8(ascii: "%")
                    written += 1
                    read += 2
                    continue
                }
                if read + 2 < count, let high = hexValue(source[read + 1]), let low = hexValue(source[read + 2]) {
                    destination[written] = high << 4 | low
                    written += 1
                    read += 3
                    continue
                }
            }
            destination[written] = byte
            written += 1
            read += 1
        }
        return written
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte &- UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte &- UInt8(ascii: "A") &+ 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte &- UInt8(ascii: "a") &+ 10
        default: return nil
        }
    }
}
