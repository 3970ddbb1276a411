extension UwsgiVars {
    /// The largest `CONTENT_LENGTH` taken from a packet: 18 decimal digits, as the HTTP head
    /// parser allows, so any sum with a packet size stays far from `Int.max`.
    public static let maximumContentLength = 999_999_999_999_999_999

    /// The request body length the packet announces: nil without a `CONTENT_LENGTH` var, 0 for
    /// an empty one (as uWSGI reads it).
    /// - Throws: `.invalidVarNumber` for anything but decimal digits up to `maximumContentLength`.
    public func contentLength() throws(WireError) -> Int? {
        guard let value = self.value(for: "CONTENT_LENGTH") else { return nil }
        return try Self.boundedDecimal(value, key: "CONTENT_LENGTH", limit: Self.maximumContentLength)
    }

    /// Plain ASCII decimal digits (no sign, no spaces) whose value is at most `limit`; an empty
    /// value is 0. Overflow is impossible: the digit count is checked before the value grows.
    public static func boundedDecimal(_ bytes: some Collection<UInt8>, key: String, limit: Int) throws(WireError) -> Int {
        var value = 0
        for byte in bytes {
            let digit = Int(byte) &- 48
            guard digit >= 0, digit <= 9 else { throw Self.numberError(bytes, key: key, limit: limit) }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(digit)
            guard !o1, !o2, sum <= limit else { throw Self.numberError(bytes, key: key, limit: limit) }
            value = sum
        }
        return value
    }

    private static func numberError(_ bytes: some Collection<UInt8>, key: String, limit: Int) -> WireError {
        // The value is attacker-chosen: keep the log line short and printable.
        let shown = String(decoding: bytes.prefix(32).map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
        return .invalidVarNumber(key: key, value: bytes.count > 32 ? shown + "…" : shown, limit: limit)
    }
}
