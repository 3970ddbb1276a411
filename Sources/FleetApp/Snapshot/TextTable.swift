/// A plain-text table: a header row and data rows, columns padded to their widest cell and
/// separated by two spaces; numeric columns right-aligned. Trailing spaces are trimmed.
struct TextTable {
    /// How a column's cells line up.
    enum Alignment {
        case left
        case right
    }

    var headers: [String]
    var alignments: [Alignment]
    var rows: [[String]] = []

    init(_ columns: [(String, Alignment)]) {
        headers = columns.map(\.0)
        alignments = columns.map(\.1)
    }

    /// Adds a row; control characters in its cells (router-supplied text) are escaped.
    mutating func append(_ row: [String]) { rows.append(row.map(TerminalSafeText.escaped)) }

    /// The table's lines, header first.
    var lines: [String] {
        let all = [headers] + rows
        var widths = [Int](repeating: 0, count: headers.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return all.map { row in
            var line = ""
            for index in headers.indices {
                let cell = index < row.count ? row[index] : ""
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                if index > 0 { line += "  " }
                line += alignments[index] == .right ? padding + cell : cell + padding
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
