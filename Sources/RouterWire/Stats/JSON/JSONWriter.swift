/// Layout of written JSON.
public enum JSONStyle: Sendable, Hashable {
    /// No whitespace at all (uWSGI's `--stats-minified`).
    case compact
    /// uWSGI's own pretty layout: one item per line, TAB indentation, the router's listener
    /// strings flush left, no trailing newline.
    case pretty
}

/// Appends strict JSON text to a byte array: every string escaped (quote, backslash, control
/// bytes as `\u00XX`), separators and indentation tracked, no intermediate values allocated.
struct JSONWriter {
    /// The text written so far.
    private(set) var bytes: [UInt8] = []
    private let pretty: Bool
    private var depth = 0
    // One bit per nesting level; documents nest far less than 64 levels (the parser refuses more).
    private var hasItems: UInt64 = 0
    private var isArray: UInt64 = 0
    private var flushLeft: UInt64 = 0
    private var afterKey = false

    init(style: JSONStyle, reservingCapacity capacity: Int = 1024) {
        pretty = style == .pretty
        bytes.reserveCapacity(capacity)
    }

    // MARK: containers

    mutating func beginObject() {
        open(UInt8(ascii: "{"), array: false, flush: false)
    }

    mutating func endObject() {
        close(UInt8(ascii: "}"))
    }

    /// Opens an array; `flushLeft` writes its items unindented in pretty style, as uWSGI does
    /// for the listener list.
    mutating func beginArray(flushLeft: Bool = false) {
        open(UInt8(ascii: "["), array: true, flush: flushLeft)
    }

    mutating func endArray() {
        close(UInt8(ascii: "]"))
    }

    /// Writes a member name; the next value written is its value.
    mutating func key(_ name: String) {
        separate()
        writeString(name)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    // MARK: scalars

    mutating func value(_ string: String) {
        beforeValue()
        writeString(string)
    }

    mutating func value(_ number: UInt64) {
        beforeValue()
        writeNumber(number)
    }

    mutating func value(_ flag: Bool) {
        beforeValue()
        bytes.append(contentsOf: flag ? [0x74, 0x72, 0x75, 0x65] : [0x66, 0x61, 0x6C, 0x73, 0x65])
    }

    mutating func null() {
        beforeValue()
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
    }

    /// Writes a string member.
    mutating func member(_ name: String, _ string: String) {
        key(name)
        value(string)
    }

    /// Writes a number member.
    mutating func member(_ name: String, _ number: UInt64) {
        key(name)
        value(number)
    }

    /// Writes a string member when the value exists.
    mutating func member(_ name: String, _ string: String?) {
        if let string { member(name, string) }
    }

    /// Writes a number member when the value exists.
    mutating func member(_ name: String, _ number: UInt64?) {
        if let number { member(name, number) }
    }

    /// Writes any parsed value, members in stored order.
    mutating func write(_ json: JSONValue) {
        switch json {
        case .null: null()
        case .bool(let flag): value(flag)
        case .unsigned(let number): value(number)
        case .otherNumber(let text):
            beforeValue()
            // Only parser-validated text reaches here, so it is a valid JSON number.
            bytes.append(contentsOf: text.utf8)
        case .string(let string): value(string)
        case .array(let elements):
            beginArray()
            for element in elements { write(element) }
            endArray()
        case .object(let members):
            beginObject()
            for member in members {
                key(member.key)
                write(member.value)
            }
            endObject()
        }
    }

    // MARK: layout

    private mutating func open(_ bracket: UInt8, array: Bool, flush: Bool) {
        beforeValue()
        bytes.append(bracket)
        depth += 1
        let bit: UInt64 = 1 << UInt64(depth & 63)
        hasItems &= ~bit
        if array { isArray |= bit } else { isArray &= ~bit }
        if flush { flushLeft |= bit } else { flushLeft &= ~bit }
        if pretty { bytes.append(0x0A) }
    }

    private mutating func close(_ bracket: UInt8) {
        let bit: UInt64 = 1 << UInt64(depth & 63)
        depth -= 1
        if pretty {
            if hasItems & bit != 0 { bytes.append(0x0A) }
            indent(depth)
        }
        bytes.append(bracket)
    }

    /// Comma and indentation before an item of the current container.
    private mutating func separate() {
        guard depth > 0 else { return }
        let bit: UInt64 = 1 << UInt64(depth & 63)
        if hasItems & bit != 0 {
            bytes.append(UInt8(ascii: ","))
            if pretty { bytes.append(0x0A) }
        }
        hasItems |= bit
        if pretty, flushLeft & bit == 0 { indent(depth) }
    }

    private mutating func beforeValue() {
        if afterKey {
            afterKey = false
        } else if isArray & (1 << UInt64(depth & 63)) != 0 {
            separate()
        }
    }

    private mutating func indent(_ count: Int) {
        for _ in 0..<count { bytes.append(0x09) }
    }

    // MARK: primitives

    private mutating func writeNumber(_ number: UInt64) {
        if number < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(number))
            return
        }
        var digits = 0
        var rest = number
        while rest > 0 { digits += 1; rest /= 10 }
        let end = bytes.count + digits
        bytes.append(contentsOf: repeatElement(0, count: digits))
        rest = number
        var position = end
        while rest > 0 {
            position -= 1
            bytes[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }

    private mutating func writeString(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for (offset, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<offset]))
                appendEscape(byte)
                runStart = offset + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case 0x22: bytes.append(0x22)
        case 0x5C: bytes.append(0x5C)
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            bytes.append(contentsOf: hex2(byte).utf8)
        }
    }
}
