#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// Whether both strings hold the same UTF-8 bytes (not Unicode canonical equivalence, as
    /// `==` tests): addresses are compared as they were configured or announced. Compares the
    /// contiguous storage with `memcmp`; `utf8.elementsEqual` walks the views generically and
    /// costs about 1k instructions per call on the per-request path.
    func hasSameBytes(as other: String) -> Bool {
        let count = utf8.count
        guard count == other.utf8.count else { return false }
        let fast = utf8.withContiguousStorageIfAvailable { mine in
            other.utf8.withContiguousStorageIfAvailable { theirs in
                guard let a = mine.baseAddress, let b = theirs.baseAddress else { return count == 0 }
                return memcmp(a, b, count) == 0
            }
        }
        return (fast ?? nil) ?? utf8.elementsEqual(other.utf8)
    }
}
