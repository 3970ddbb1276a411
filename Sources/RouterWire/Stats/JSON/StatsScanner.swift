#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gives up on the single-pass decode; the caller reruns the full parse-then-map path,
/// which produces the answer (document or error) for the input.
struct ScanBail: Error {}

/// A forward-only reader of strict JSON for the single-pass stats decoder. It accepts a subset
/// of what `JSONParser` accepts (no string escapes, no non-ASCII member names) and returns
/// the same values for it; anything else bails, so a bail never changes the decode's outcome.
struct StatsScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index = 0
    private var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: structure

    /// True once only whitespace is left.
    mutating func atEnd() -> Bool {
        skipWhitespace()
        return index == bytes.count
    }

    /// Enters an object; returns false for an empty one (already left).
    mutating func beginObject() throws(ScanBail) -> Bool {
        try expect(UInt8(ascii: "{"))
        try enter()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return false
        }
        return true
    }

    /// After a member's value: true when another member follows, false when the object ended.
    mutating func nextMember() throws(ScanBail) -> Bool {
        try separator(close: UInt8(ascii: "}"))
    }

    /// Enters an array; returns false for an empty one (already left).
    mutating func beginArray() throws(ScanBail) -> Bool {
        try expect(UInt8(ascii: "["))
        try enter()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return false
        }
        return true
    }

    /// After an element: true when another element follows, false when the array ended.
    mutating func nextElement() throws(ScanBail) -> Bool {
        try separator(close: UInt8(ascii: "]"))
    }

    /// Reads a member name and its ':'; the name's bytes are plain ASCII without escapes.
    mutating func key() throws(ScanBail) -> UnsafeBufferPointer<UInt8> {
        skipWhitespace()
        let range = try rawString(asciiOnly: true)
        try expect(UInt8(ascii: ":"))
        return UnsafeBufferPointer(rebasing: bytes[range])
    }

    /// Reads the member name `quoted` (its quotes included) and its ':' when they come next;
    /// false, with nothing read, when anything else does. A document's members mostly come in
    /// the order its writer gives them, so a decoder tries the name it expects first: a few
    /// byte compares instead of scanning the name and looking it up.
    mutating func key(_ quoted: StaticString) -> Bool {
        skipWhitespace()
        let count = quoted.utf8CodeUnitCount
        guard count <= bytes.count - index else { return false }
        guard let base = bytes.baseAddress, memcmp(base + index, quoted.utf8Start, count) == 0 else { return false }
        var after = index + count
        while after < bytes.count, Self.isWhitespace(bytes[after]) { after += 1 }
        guard after < bytes.count, bytes[after] == UInt8(ascii: ":") else { return false }
        index = after + 1
        return true
    }

    /// True when the next value is `null` (consumed) — the "absent" of every optional key.
    mutating func null() throws(ScanBail) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// True when the next value is a string.
    mutating func peekString() -> Bool {
        skipWhitespace()
        return index < bytes.count && bytes[index] == UInt8(ascii: "\"")
    }

    /// True when the next value is an array.
    mutating func peekArray() -> Bool {
        skipWhitespace()
        return index < bytes.count && bytes[index] == UInt8(ascii: "[")
    }

    // MARK: typed values

    /// An unsigned integer that fits 64 bits, or nil for `null`.
    mutating func unsigned() throws(ScanBail) -> UInt64? {
        if try null() { return nil }
        guard index < bytes.count else { throw ScanBail() }
        let start = index
        var value: UInt64 = 0
        // Nineteen digits always fit 64 bits: no overflow checks for them.
        let unchecked = min(bytes.count, start + 19)
        while index < unchecked {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            value = value &* 10 &+ UInt64(digit)
            index += 1
        }
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { break }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            if o1 || o2 { throw ScanBail() }
            value = sum
            index += 1
        }
        guard index > start, !(bytes[start] == UInt8(ascii: "0") && index - start > 1) else { throw ScanBail() }
        if index < bytes.count {
            let next = bytes[index]
            // A fraction or exponent makes it some other number, which no uWSGI key takes.
            if next == UInt8(ascii: ".") || next | 0x20 == UInt8(ascii: "e") { throw ScanBail() }
        }
        return value
    }

    /// A string, or nil for `null`.
    mutating func string() throws(ScanBail) -> String? {
        if try null() { return nil }
        let range = try rawString()
        // Same decoding as `JSONParser`: invalid UTF-8 becomes U+FFFD.
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Skips one value of any kind, checking it is strict JSON.
    mutating func skipValue() throws(ScanBail) {
        skipWhitespace()
        guard index < bytes.count else { throw ScanBail() }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            var more = try beginObject()
            while more {
                _ = try key()
                try skipValue()
                more = try nextMember()
            }
        case UInt8(ascii: "["):
            var more = try beginArray()
            while more {
                try skipValue()
                more = try nextElement()
            }
        case UInt8(ascii: "\""): _ = try rawString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: throw ScanBail()
        }
    }

    // MARK: lexing

    /// The bytes between a string's quotes; bails on escapes, raw control bytes and, when
    /// `asciiOnly`, bytes above 0x7F.
    private mutating func rawString(asciiOnly: Bool = false) throws(ScanBail) -> Range<Int> {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw ScanBail() }
        index += 1
        let start = index
        var high: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                if asciiOnly, high >= 0x80 { throw ScanBail() }
                return start..<(index - 1)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { throw ScanBail() }
            high |= byte
            index += 1
        }
        throw ScanBail()
    }

    private mutating func skipNumber() throws(ScanBail) {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let intStart = index
        skipDigits()
        guard index > intStart, !(bytes[intStart] == UInt8(ascii: "0") && index - intStart > 1) else { throw ScanBail() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fracStart = index
            skipDigits()
            guard index > fracStart else { throw ScanBail() }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let expStart = index
            skipDigits()
            guard index > expStart else { throw ScanBail() }
        }
    }

    private mutating func skipDigits() {
        while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 { index += 1 }
    }

    private mutating func separator(close: UInt8) throws(ScanBail) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw ScanBail() }
        if bytes[index] == UInt8(ascii: ",") {
            index += 1
            return true
        }
        guard bytes[index] == close else { throw ScanBail() }
        index += 1
        depth -= 1
        return false
    }

    private mutating func enter() throws(ScanBail) {
        depth += 1
        guard depth <= JSONParser.maxDepth else { throw ScanBail() }
    }

    private mutating func expect(_ byte: UInt8) throws(ScanBail) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { throw ScanBail() }
        index += 1
    }

    private mutating func literal(_ text: StaticString) throws(ScanBail) {
        let count = text.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw ScanBail() }
        for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { throw ScanBail() }
        index += count
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
    }

    /// JSON's whitespace (space, tab, newline, carriage return), by one shift and mask.
    @inline(__always)
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte <= 0x20 && (UInt64(1) << byte) & 0x1_0000_2600 != 0
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// True when these bytes spell `name` exactly.
    @inline(__always)
    func spells(_ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        guard self.count == count else { return false }
        let other = name.utf8Start
        for offset in 0..<count where self[offset] != other[offset] { return false }
        return true
    }
}
