/// Turns what a uWSGI stats server actually writes into strict JSON, in one linear pass that
/// never fails (the strict parser afterwards decides whether the result is usable).
///
/// uWSGI prints strings raw, never escaped, and has a trailing-comma bug, so:
/// - a `,` followed (after optional whitespace) by `]` or `}` is dropped;
/// - inside a string, a raw control byte is escaped (`\t`, `\n`, `\r`, else `\u00XX`);
/// - inside a string, a `\` is a literal backslash (uWSGI never writes escapes) and is doubled;
/// - inside a string, a `"` ends the string only when it is followed, after optional
///   whitespace, by `,` `}` `]` `:` or the end of input; any other `"` is part of the string
///   and is escaped;
/// - invalid UTF-8 inside a string becomes U+FFFD.
///
/// Limits of the quote rule: a name that itself contains `"` followed by one of `,}]:` (for
/// example `a",b`) is cut there, which usually leaves the document unparseable (a typed error)
/// or, at worst, splits one string into a wrong member. A literal backslash in a document that
/// is otherwise valid JSON is read as an escape, because valid input is never repaired.
///
/// Every byte is visited once, plus one whitespace lookahead after each comma and each quote
/// inside a string; those lookaheads stop at the next non-whitespace byte, so the total work
/// is linear in the input.
enum LenientJSONRepair {
    /// The repaired text and enough bookkeeping to map its offsets back to the input.
    struct Output {
        /// Strict JSON text (when the input's structure was sound).
        var bytes: [UInt8]
        // (output offset, input offset) after each edit; offsets between edits move together.
        private var checkpoints: [(output: Int, input: Int)] = [(0, 0)]

        init(capacity: Int) {
            bytes = []
            bytes.reserveCapacity(capacity + capacity / 16 + 16)
        }

        /// Records that output offset `bytes.count` corresponds to input offset `input`.
        mutating func sync(input: Int) {
            checkpoints.append((bytes.count, input))
        }

        /// The input offset that produced output offset `offset`.
        func inputOffset(of offset: Int) -> Int {
            var low = 0
            var high = checkpoints.count - 1
            while low < high {
                let mid = (low + high + 1) / 2
                if checkpoints[mid].output <= offset { low = mid } else { high = mid - 1 }
            }
            return checkpoints[low].input + (offset - checkpoints[low].output)
        }
    }

    /// Repairs `input` as described on the type.
    static func repair(_ input: UnsafeBufferPointer<UInt8>) -> Output {
        var out = Output(capacity: input.count)
        var index = 0
        var inString = false
        let count = input.count
        while index < count {
            let byte = input[index]
            if !inString {
                if byte == UInt8(ascii: "\"") {
                    inString = true
                } else if byte == UInt8(ascii: ",") {
                    let next = skipWhitespace(input, from: index + 1)
                    if next < count, input[next] == UInt8(ascii: "]") || input[next] == UInt8(ascii: "}") {
                        index += 1
                        out.sync(input: index)
                        continue
                    }
                }
                out.bytes.append(byte)
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                let next = skipWhitespace(input, from: index + 1)
                if next == count || isTerminatorFollower(input[next]) {
                    out.bytes.append(byte)
                    inString = false
                } else {
                    out.bytes.append(UInt8(ascii: "\\"))
                    out.bytes.append(byte)
                    out.sync(input: index + 1)
                }
                index += 1
            case UInt8(ascii: "\\"):
                out.bytes.append(UInt8(ascii: "\\"))
                out.bytes.append(UInt8(ascii: "\\"))
                index += 1
                out.sync(input: index)
            case 0..<0x20:
                appendControlEscape(byte, to: &out.bytes)
                index += 1
                out.sync(input: index)
            case 0..<0x80:
                out.bytes.append(byte)
                index += 1
            default:
                let length = validUTF8Length(input, at: index)
                if length > 0 {
                    out.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<index + length]))
                    index += length
                } else {
                    out.bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    index += 1
                    out.sync(input: index)
                }
            }
        }
        return out
    }

    private static func skipWhitespace(_ input: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < input.count {
            switch input[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return index
            }
        }
        return index
    }

    private static func isTerminatorFollower(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: ":")
    }

    private static func appendControlEscape(_ byte: UInt8, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        default:
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            bytes.append(contentsOf: hex2(byte).utf8)
        }
    }

    /// Length of the well-formed UTF-8 sequence starting at `index` (lead byte ≥ 0x80), or 0.
    static func validUTF8Length(_ input: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = input[index]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return 0
        }
        guard index + length <= input.count else { return 0 }
        let second = input[index + 1]
        guard second >= low, second <= high else { return 0 }
        for offset in 2..<max(2, length) where input[index + offset] & 0xC0 != 0x80 { return 0 }
        return length
    }
}
