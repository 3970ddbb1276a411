/// Router-supplied text made safe for a terminal: a router (or anyone who can subscribe a node
/// to it) chooses keys, node names and error messages, and an escape sequence in one of them
/// must not reach the user's terminal as a command.
enum TerminalSafeText {
    /// `text` with C0 controls (newline and tab included), DEL and C1 controls written as
    /// visible escapes: `\n`, `\t`, `\r`, `\e`, else `\xNN` or `\u{NN}`.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard isControl(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case 0x1B: out += "\\e"
            case 0..<0x80: out += "\\x" + hex(scalar.value)
            default: out += "\\u{" + hex(scalar.value) + "}"
            }
        }
        return out
    }

    /// Every line of `text` escaped on its own, the line breaks kept.
    static func escapedLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { escaped(String($0)) }.joined(separator: "\n")
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return digits.count < 2 ? "0" + digits : digits
    }
}
