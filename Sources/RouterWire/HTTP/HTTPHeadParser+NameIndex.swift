extension HTTPHeadParser {
    /// Up to this many header lines, duplicates are found by scanning the earlier lines; past
    /// it, through `nameIndex`, so a head of thousands of distinct names costs linear time.
    static let linearMergeLimit = 16

    /// The first (non-duplicate) earlier line with this name, or -1, by scanning.
    func firstLine(named name: UnsafeRawPointer, count: Int, kind: HTTPHeaderKind, base: UnsafeRawPointer) -> Int {
        for earlier in self.lines.indices {
            let other = self.lines[earlier]
            guard !other.isDuplicate, other.nameCount == count, other.kind == kind,
                  Self.sameName(base + other.nameStart, name, count)
            else { continue }
            return earlier
        }
        return -1
    }

    /// The first earlier line with this name, or -1 after recording line `index` as the first
    /// of its name. Builds the table on first use and doubles it at half load.
    mutating func indexedFirstLine(
        named name: UnsafeRawPointer, count: Int, kind: HTTPHeaderKind, base: UnsafeRawPointer, index: Int
    ) -> Int {
        if index == Self.linearMergeLimit {
            // A new head: start small again, whatever an earlier head needed.
            self.rebuildNameIndex(base: base, capacity: 64, upTo: index)
        } else if (self.nameIndexCount + 1) * 2 > self.nameIndex.count {
            self.rebuildNameIndex(base: base, capacity: self.nameIndex.count * 2, upTo: index)
        }
        let mask = self.nameIndex.count - 1
        var slot = Self.hashName(name, count) & mask
        while true {
            let entry = Int(self.nameIndex[slot])
            if entry == 0 {
                self.nameIndex[slot] = Int32(index + 1)
                self.nameIndexCount += 1
                return -1
            }
            let other = self.lines[entry - 1]
            if other.nameCount == count, other.kind == kind, Self.sameName(base + other.nameStart, name, count) {
                return entry - 1
            }
            slot = (slot + 1) & mask
        }
    }

    /// Refills the table (`capacity` a power of two) with the first lines among `lines[..<upTo]`.
    private mutating func rebuildNameIndex(base: UnsafeRawPointer, capacity: Int, upTo: Int) {
        var size = 64
        while size < capacity { size <<= 1 }
        if self.nameIndex.count == size {
            for i in self.nameIndex.indices { self.nameIndex[i] = 0 }
        } else {
            self.nameIndex = [Int32](repeating: 0, count: size)
        }
        self.nameIndexCount = 0
        let mask = size - 1
        for i in 0..<upTo where !self.lines[i].isDuplicate {
            var slot = Self.hashName(base + self.lines[i].nameStart, self.lines[i].nameCount) & mask
            while self.nameIndex[slot] != 0 { slot = (slot + 1) & mask }
            self.nameIndex[slot] = Int32(i + 1)
            self.nameIndexCount += 1
        }
    }

    /// FNV-1a over the normalised name (case and `-`/`_` folded, as `sameName` compares).
    static func hashName(_ name: UnsafeRawPointer, _ count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<count {
            hash ^= UInt64(HTTPHeaderKind.normalize(name.load(fromByteOffset: i, as: UInt8.self)))
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }
}
