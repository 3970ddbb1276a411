/// Byte search over raw bytes a word at a time: eight bytes per step instead of one, for the
/// line ends and colons of HTTP heads.
enum ByteSearch {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The index of the first `byte` in `p[from..<end]`, or `end` when there is none.
    /// `end` must not exceed `p.count`.
    ///
    /// A word XORed with `byte` repeated has a zero byte where `byte` was; `(w - 0x01…) & ~w &
    /// 0x80…` flags the lowest zero byte exactly (a borrow can flag bytes above a zero byte,
    /// never below one), and bytes are in memory order in a little-endian word.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in p: UnsafeRawBufferPointer, from: Int, end: Int) -> Int {
        guard let base = p.baseAddress else { return end }
        let pattern = ones &* UInt64(byte)
        var i = from
        while i &+ 8 <= end {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) ^ pattern
            let found = (word &- ones) & ~word & highs
            if found != 0 { return i &+ found.trailingZeroBitCount &>> 3 }
            i &+= 8
        }
        while i < end {
            if p[i] == byte { return i }
            i &+= 1
        }
        return end
    }
}
