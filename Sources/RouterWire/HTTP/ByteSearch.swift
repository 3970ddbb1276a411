/// Byte search over raw bytes a word at a time: eight bytes per step instead of one, for the
/// line ends and colons of HTTP heads.
enum ByteSearch {
    /// The index of the first `byte` in `p[from..<end]`, or `end` when there is none.
    /// `end` must not exceed `p.count`.
    ///
    /// A word XORed with `byte` repeated has a zero byte where `byte` was (`lowestZeroByte`), and
    /// bytes are in memory order in a little-endian word.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in p: UnsafeRawBufferPointer, from: Int, end: Int) -> Int {
        guard let base = p.baseAddress else { return end }
        let pattern = 0x0101_0101_0101_0101 &* UInt64(byte)
        var i = from
        while i &+ 8 <= end {
            let found = lowestZeroByte(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ pattern)
            if found != 0 { return i &+ found.trailingZeroBitCount &>> 3 }
            i &+= 8
        }
        while i < end {
            if p[i] == byte { return i }
            i &+= 1
        }
        return end
    }

    /// 0x80 in the lowest byte of `word` that is zero, possibly in bytes above it too, never below
    /// (`(w - 0x01…) & ~w & 0x80…`: a borrow can flag bytes above a zero byte, never below one);
    /// 0 when no byte is zero. A cheaper `zeroBytes` for finding the first.
    @inline(__always)
    static func lowestZeroByte(_ word: UInt64) -> UInt64 {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
    }

    /// 0x80 in every byte of `word` that is zero, 0 elsewhere (exactly: no carry crosses bytes).
    @inline(__always)
    static func zeroBytes(_ word: UInt64) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((word & low7) &+ low7) | word | low7)
    }
}
