/// Fitting text into a number of columns.
public enum Truncation {
    /// The ellipsis that marks cut text.
    public static let ellipsis: Character = "…"

    /// `string` cut to at most `width` columns, ending in `…` when anything was cut.
    public static func truncate(_ string: String, toWidth width: Int) -> String {
        guard width > 0 else { return "" }
        if let simple = DisplayWidth.simpleWidth(of: string) {
            // One scalar, one grapheme, one column: cut by scalars.
            if simple <= width { return string }
            let scalars = string.unicodeScalars
            let cut = scalars.index(scalars.startIndex, offsetBy: width - 1)
            return String(scalars[..<cut]) + String(ellipsis)
        }
        var used = 0
        var end = string.startIndex
        var fitsWhole = true
        // The prefix that leaves room for the ellipsis, in case the whole string does not fit.
        var cutEnd = string.startIndex
        var index = string.startIndex
        while index < string.endIndex {
            let characterWidth = DisplayWidth.of(string[index])
            if used + characterWidth > width {
                fitsWhole = false
                break
            }
            used += characterWidth
            let next = string.index(after: index)
            if used <= width - 1 { cutEnd = next }
            end = next
            index = next
        }
        if fitsWhole { return end == string.endIndex ? string : String(string[..<end]) }
        return String(string[..<cutEnd]) + String(ellipsis)
    }

    /// `string` truncated or padded with spaces to exactly `width` columns, placed by `alignment`.
    public static func fit(_ string: String, toWidth width: Int, alignment: Alignment = .left) -> String {
        guard width > 0 else { return "" }
        let text = truncate(string, toWidth: width)
        let gap = width - DisplayWidth.of(text)
        guard gap > 0 else { return text }
        switch alignment {
        case .left: return text + String(repeating: " ", count: gap)
        case .right: return String(repeating: " ", count: gap) + text
        case .center: return String(repeating: " ", count: gap / 2) + text + String(repeating: " ", count: gap - gap / 2)
        }
    }
}

extension Truncation {
    /// `string` broken into lines of at most `width` columns, at spaces where possible.
    ///
    /// Explicit newlines are kept; a word longer than a line is split across lines.
    public static func wrap(_ string: String, toWidth width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        for paragraph in string.split(separator: "\n", omittingEmptySubsequences: false) {
            let paragraphStart = lines.count
            var line = ""
            var lineWidth = 0
            for word in paragraph.split(separator: " ") {
                var rest = Substring(word)
                var restWidth = DisplayWidth.of(String(rest))
                if lineWidth > 0 && lineWidth + 1 + restWidth <= width {
                    line += " " + rest
                    lineWidth += 1 + restWidth
                    continue
                }
                if lineWidth > 0 {
                    lines.append(line)
                    line = ""
                    lineWidth = 0
                }
                // Hard-split words wider than a line; each pass consumes at least one grapheme.
                while restWidth > width {
                    var piece = ""
                    var pieceWidth = 0
                    while let next = rest.first, pieceWidth + DisplayWidth.of(next) <= width {
                        piece.append(next)
                        pieceWidth += DisplayWidth.of(next)
                        rest = rest.dropFirst()
                    }
                    if piece.isEmpty, let next = rest.first {
                        piece.append(next)  // a grapheme wider than the line still has to go somewhere
                        rest = rest.dropFirst()
                    }
                    lines.append(piece)
                    restWidth = DisplayWidth.of(String(rest))
                }
                line = String(rest)
                lineWidth = restWidth
            }
            if !line.isEmpty || lines.count == paragraphStart { lines.append(line) }
        }
        return lines
    }
}
