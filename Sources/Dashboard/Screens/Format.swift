import FleetModel

/// Numbers, sizes, ages and times as the tables show them: short, fixed-ish width, human units.
public enum Format {
    /// `-` for nil, else `0`, `12.3`, `123`, `1.2k`, `3.4M`.
    public static func rate(_ value: Double?) -> String {
        guard let value, value.isFinite, value > -1e15 else { return "-" }
        if value == 0 { return "0" }
        if value < 10 { return decimal(value, places: 1) }
        if value < 1_000 { return String(Int(value.rounded())) }
        return scaled(value, base: 1_000, units: ["", "k", "M", "G", "T"])
    }

    /// Byte counts in binary units: `512`, `1.5K`, `20M`, `3.1G`; `-` for nil.
    public static func bytes(_ value: UInt64?) -> String {
        guard let value else { return "-" }
        return bytes(Double(value))
    }

    /// A byte count or rate in binary units; `-` for nil or non-finite.
    public static func bytes(_ value: Double?) -> String {
        guard let value, value.isFinite, value >= 0 else { return "-" }
        if value < 1_024 { return String(Int(value.rounded())) }
        return scaled(value, base: 1_024, units: ["", "K", "M", "G", "T", "P"])
    }

    /// Whole counts with k/M above 99,999: `42`, `12345`, `123k`.
    public static func count(_ value: UInt64?) -> String {
        guard let value else { return "-" }
        if value < 100_000 { return String(value) }
        return scaled(Double(value), base: 1_000, units: ["", "k", "M", "G", "T"])
    }

    /// An age: `0s`, `42s`, `12m`, `5h`, `3d`; `-` for nil. A router can send any number
    /// (2^63 included): 10,000 days (27 years) or more show as `>27y`, never a trap.
    public static func age(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "-" }
        guard seconds < 10_000 * 86_400 else { return ">27y" }
        let whole = Int(max(0, seconds).rounded(.down))
        if whole < 120 { return "\(whole)s" }
        if whole < 7_200 { return "\(whole / 60)m" }
        if whole < 172_800 { return "\(whole / 3_600)h" }
        return "\(whole / 86_400)d"
    }

    /// `HH:MM:SS` of `instant` shifted by `utcOffset` seconds.
    public static func clock(_ instant: FleetInstant, utcOffset: Int) -> String {
        // Reduced modulo a day first, so no instant or offset can overflow an Int.
        let seconds = instant.secondsSinceEpoch.isFinite ? instant.secondsSinceEpoch.rounded(.down) : 0
        let total = Int(seconds.truncatingRemainder(dividingBy: 86_400)) + utcOffset % 86_400
        let day = ((total % 86_400) + 86_400) % 86_400
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(two(day / 3_600)):\(two(day / 60 % 60)):\(two(day % 60))"
    }

    /// `YYYY-MM-DD` (UTC) of a time in seconds since the epoch; `>9999` past the year 9999.
    public static func date(secondsSinceEpoch seconds: UInt64) -> String {
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm), bounded first.
        guard seconds < 253_402_300_800 else { return ">9999" }
        let days = Int(seconds / 86_400) + 719_468
        let era = days / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    private static func scaled(_ value: Double, base: Double, units: [String]) -> String {
        var scaled = value
        var unit = 0
        while scaled >= base && unit < units.count - 1 {
            scaled /= base
            unit += 1
        }
        // Past the largest unit the number keeps growing; cap what is shown rather than trap.
        guard scaled < 100_000 else { return ">99999" + units[unit] }
        return (scaled < 10 ? decimal(scaled, places: 1) : String(Int(scaled.rounded(.down)))) + units[unit]
    }

    private static func decimal(_ value: Double, places: Int) -> String {
        guard value.magnitude < 1e15 else { return value < 0 ? "-" : ">1e15" }
        let factor = places == 1 ? 10.0 : 100.0
        let rounded = (value * factor).rounded() / factor
        let whole = Int(rounded.rounded(.down))
        let fraction = Int(((rounded - Double(whole)) * factor).rounded())
        return "\(whole).\(fraction)"
    }
}
