/// A plain subscribe datagram read in place: where its key and address lie in the datagram's
/// bytes, and the figures a re-announce updates, with nothing allocated.
///
/// This is the fast path for the commonest datagram a router gets, a node re-announcing itself.
/// `scan(_:)` accepts only what `SubscriptionPacket(decoding:)` decodes without error into a
/// subscribe whose items are `key`, `address`, `modifier1`, `modifier2`, `cores`, `load`,
/// `weight` and `backup`, each at most once, with ASCII key and address: for those the two
/// agree on every value. Anything else (another item, a repeated one, non-ASCII text, a bad
/// number, a structural error) scans to nil, and the caller decodes the datagram in full,
/// which refuses it with its typed error or takes it.
public struct SubscriptionRefresh: Sendable, Hashable {
    /// The key's bytes: offsets into the scanned datagram, 1...255 ASCII bytes.
    public var key: Range<Int>
    /// The address's bytes: offsets into the scanned datagram, 1...255 ASCII bytes.
    public var address: Range<Int>
    /// Announced cores, if the datagram has them.
    public var cores: UInt64?
    /// Announced load, if the datagram has them.
    public var load: UInt64?
    /// Announced weight, if the datagram has one.
    public var weight: UInt64?
    /// Backup level, if the datagram has one.
    public var backup: UInt64?

    /// Reads `datagram` (header and var block) in place; nil unless it is a plain subscribe
    /// (see the type's summary). The walk is bounded by the datagram's length, at most
    /// `SubscriptionPacket.maximumDatagramSize` bytes, and every number is overflow-checked.
    public static func scan(_ datagram: UnsafeRawBufferPointer) -> SubscriptionRefresh? {
        let end = datagram.count
        guard end >= UwsgiHeader.size, end <= SubscriptionPacket.maximumDatagramSize,
              datagram[3] == 0 else { return nil }
        var key: Range<Int>?
        var address: Range<Int>?
        var result = SubscriptionRefresh(key: 0..<0, address: 0..<0)
        var seen: UInt32 = 0
        var offset = UwsgiHeader.size
        while offset < end {
            // The same bounds as `UwsgiVars.validate`: key length, key, value length, value.
            guard end - offset >= 2 else { return nil }
            let keyLength = Int(datagram[offset]) | Int(datagram[offset + 1]) << 8
            guard keyLength > 0, end - offset - 2 >= keyLength + 2 else { return nil }
            let keyStart = offset + 2
            let valuePrefix = keyStart + keyLength
            let valueLength = Int(datagram[valuePrefix]) | Int(datagram[valuePrefix + 1]) << 8
            let valueStart = valuePrefix + 2
            guard end - valueStart >= valueLength else { return nil }
            let value = valueStart..<(valueStart + valueLength)
            offset = value.upperBound

            guard let found = Self.itemKey(datagram, keyStart, keyLength), seen & found.bit == 0 else { return nil }
            seen |= found.bit
            switch found.name {
            case .key:
                guard (1...SubscriptionPacket.maximumKeyLength).contains(valueLength), Self.isASCII(datagram, value) else { return nil }
                key = value
            case .address:
                guard (1...SubscriptionPacket.maximumAddressLength).contains(valueLength), Self.isASCII(datagram, value) else { return nil }
                address = value
            case .modifier1, .modifier2:
                guard Self.number(datagram, value, maximum: UInt64(UInt8.max)) != nil else { return nil }
            case .cores:
                guard let number = Self.number(datagram, value) else { return nil }
                result.cores = number
            case .load:
                guard let number = Self.number(datagram, value) else { return nil }
                result.load = number
            case .weight:
                guard let number = Self.number(datagram, value) else { return nil }
                result.weight = number
            case .backup:
                guard let number = Self.number(datagram, value) else { return nil }
                result.backup = number
            default:
                return nil
            }
        }
        guard let key, let address else { return nil }
        result.key = key
        result.address = address
        return result
    }

    /// The item key at `start` if it is one the fast path reads, with a bit of its own for
    /// the "seen" set; found by length, then bytes, with no array built.
    private static func itemKey(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ length: Int) -> (name: SubscriptionItemKey, bit: UInt32)? {
        func named(_ name: StaticString) -> Bool {
            name.withUTF8Buffer { literal in
                var index = 0
                while index < length {
                    guard literal[index] == bytes[start + index] else { return false }
                    index += 1
                }
                return true
            }
        }
        switch length {
        case 3: return named("key") ? (.key, 1 << 0) : nil
        case 4: return named("load") ? (.load, 1 << 1) : nil
        case 5: return named("cores") ? (.cores, 1 << 2) : nil
        case 6: return named("weight") ? (.weight, 1 << 3) : named("backup") ? (.backup, 1 << 4) : nil
        case 7: return named("address") ? (.address, 1 << 5) : nil
        case 9: return named("modifier1") ? (.modifier1, 1 << 6) : named("modifier2") ? (.modifier2, 1 << 7) : nil
        default: return nil
        }
    }

    /// True when every byte in `range` is ASCII (and so valid UTF-8 that decodes to itself).
    private static func isASCII(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        while index < range.upperBound {
            guard bytes[index] < 0x80 else { return false }
            index += 1
        }
        return true
    }

    /// The rule of `SubscriptionPacket.number`: plain unsigned ASCII decimal digits, at least
    /// one, at most `maximum`, overflow-checked; nil otherwise.
    private static func number(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, maximum: UInt64 = .max) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var result: UInt64 = 0
        for index in range {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflow1) = result.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2, sum <= maximum else { return nil }
            result = sum
        }
        return result
    }
}
