extension String {
    /// Whether both strings hold the same UTF-8 bytes (not Unicode canonical equivalence, as
    /// `==` tests): addresses are compared as they were configured or announced. Compares the
    /// contiguous storage directly; `utf8.elementsEqual` walks the views generically and costs
    /// about 1k instructions per call on the per-request path.
    func hasSameBytes(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        let fast = utf8.withContiguousStorageIfAvailable { mine in
            other.utf8.withContiguousStorageIfAvailable { theirs in
                mine.elementsEqual(theirs)
            }
        }
        return (fast ?? nil) ?? utf8.elementsEqual(other.utf8)
    }
}
