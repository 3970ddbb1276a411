#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `--sni-regexp` pattern: a POSIX extended regular expression compiled by the C library
/// (`regcomp`), matched case-insensitively against a client's SNI name anywhere in it, as
/// uWSGI's PCRE match is (anchor it with `^…$` for a whole name).
///
/// Not PCRE, and not Swift Regex: both backtrack, and a pattern run on every client's name
/// could then be made to take exponential time by the name a client sends. The C library's
/// matcher simulates the automaton instead and backtracks only for back-references, which are
/// refused here, so a match costs at most the name's length (≤ 255 bytes) times the pattern's.
/// `regexec` on one compiled pattern is safe from several threads at once (glibc locks it).
final class SNIPattern: @unchecked Sendable {
    /// The pattern as configured.
    let source: String
    private let regex: UnsafeMutablePointer<regex_t>

    /// Compiles `source`; a back-reference or a syntax error is refused, naming the pattern.
    init(_ source: String) throws(TLSMaterialError) {
        if let reference = Self.backReference(in: source) {
            throw TLSMaterialError(
                file: source, reason: "uses the back-reference \(reference), which --sni-regexp refuses: it would let a client's name make matching take exponential time")
        }
        let regex = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
        let code = regcomp(regex, source, REG_EXTENDED | REG_ICASE | REG_NOSUB)
        guard code == 0 else {
            var message = [CChar](repeating: 0, count: 256)
            regerror(code, regex, &message, message.count)
            regex.deallocate()
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw TLSMaterialError(file: source, reason: "is not a POSIX extended regular expression: \(text)")
        }
        self.source = source
        self.regex = regex
    }

    deinit {
        regfree(regex)
        regex.deallocate()
    }

    /// Whether `name` (an SNI name, already checked and lowercased) matches.
    func matches(_ name: String) -> Bool {
        regexec(regex, name, 0, nil, 0) == 0
    }

    /// The first `\1`…`\9` outside a bracket expression, if any.
    static func backReference(in pattern: String) -> String? {
        let bytes = Array(pattern.utf8)
        var index = 0
        var inBracket = false
        while index < bytes.count {
            let byte = bytes[index]
            if inBracket {
                // `]` right after `[` or `[^` is a literal member; otherwise it closes.
                if byte == UInt8(ascii: "]") { inBracket = false }
                index += 1
                continue
            }
            if byte == UInt8(ascii: "[") {
                inBracket = true
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "^") { index += 1 }
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1 }
                continue
            }
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                let next = bytes[index + 1]
                if next >= UInt8(ascii: "1"), next <= UInt8(ascii: "9") { return "\\" + String(UnicodeScalar(next)) }
                index += 2
                continue
            }
            index += 1
        }
        return nil
    }
}
