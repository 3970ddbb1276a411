/// A width×height grid of cells that widgets draw into; one per frame.
///
/// Cells live in one flat row-major array. Writes outside the buffer or the given clip
/// rectangle are dropped, so widgets never need to bounds-check. Styles are resolved against
/// `palette` as they are written.
public struct Buffer: Sendable {
    /// The buffer's size.
    public private(set) var size: Size
    /// All cells, row-major.
    public internal(set) var cells: [Cell]
    /// Resolves semantic roles in styles written into this buffer.
    public var palette: Palette

    /// Creates a buffer of `size` filled with blank cells.
    public init(size: Size, palette: Palette = Palette()) {
        self.size = size
        self.palette = palette
        self.cells = Array(repeating: .blank, count: size.width * size.height)
    }

    /// The whole buffer as a rectangle.
    public var area: Rect { Rect(size: size) }

    /// The cell at column `x`, row `y`, or `nil` outside the buffer.
    public subscript(x: Int, y: Int) -> Cell? {
        guard x >= 0, y >= 0, x < size.width, y < size.height else { return nil }
        return cells[y * size.width + x]
    }

    /// The index into `cells` of column `x`, row `y`, or `nil` outside the buffer.
    func offset(x: Int, y: Int) -> Int? {
        guard x >= 0, y >= 0, x < size.width, y < size.height else { return nil }
        return y * size.width + x
    }

    /// Blanks every cell (in `style`), keeping the size.
    public mutating func reset(style: Style = .plain) {
        let blank = Cell.blank(style.resolved(in: palette))
        for index in cells.indices { cells[index] = blank }
    }

    /// Changes the size, blanking every cell.
    public mutating func resize(to newSize: Size) {
        size = newSize
        cells = Array(repeating: .blank, count: newSize.width * newSize.height)
    }

    /// Fills `rect` (clipped to the buffer) with `symbol` in `style`.
    public mutating func fill(_ rect: Rect, with symbol: Character = " ", style: Style = .plain) {
        let area = rect.intersection(self.area)
        guard !area.isEmpty else { return }
        let resolved = style.resolved(in: palette)
        let width = DisplayWidth.of(symbol)
        if width == 1 {
            let cell = Cell(symbol: symbol, style: resolved, width: 1)
            for row in area.y..<area.maxY {
                let base = row * size.width
                // Only the span's two ends can cut a wide grapheme in half; inside it both halves
                // are overwritten, so the cells are stored without `place`'s per-cell checks.
                let first = base + area.x, last = base + area.maxX - 1
                if cells[first].width == 0, area.x > 0 { cells[first - 1] = .blank(cells[first - 1].style) }
                if cells[last].width == 2, area.maxX < size.width { cells[last + 1] = .blank(cells[last + 1].style) }
                for index in first...last { cells[index] = cell }
            }
        } else {
            for row in area.y..<area.maxY {
                write(symbol, width: width, x: area.x, y: row, style: resolved, limit: area.maxX)
            }
        }
    }

    /// Restyles the cells of `rect` without changing their symbols (a selection highlight).
    public mutating func setStyle(_ style: Style, in rect: Rect) {
        let area = rect.intersection(self.area)
        guard !area.isEmpty else { return }
        let resolved = style.resolved(in: palette)
        for row in area.y..<area.maxY {
            let base = row * size.width
            for column in area.x..<area.maxX { cells[base + column].style = resolved }
        }
    }

    /// Writes `string` on one line starting at `point`, clipped to `clip` and the buffer.
    ///
    /// Wide graphemes take two cells and are replaced by a space when only one column is left;
    /// zero-width graphemes that start the string are dropped (combining marks inside the string
    /// already belong to their base `Character`). Returns the column after the last one written,
    /// which is where a following write should start.
    @discardableResult
    public mutating func set(string: String, at point: Point, style: Style = .plain, clip: Rect? = nil) -> Int {
        let bounds = clip.map { $0.intersection(area) } ?? area
        guard point.y >= bounds.y, point.y < bounds.maxY else { return point.x }
        let resolved = style.resolved(in: palette)
        var x = point.x
        if let bytes = Self.printableASCII(string) {
            // One byte, one grapheme, one column: no grapheme breaking or width lookup.
            for byte in bytes {
                if x >= bounds.maxX { break }
                if x < bounds.x {
                    x += 1
                    continue
                }
                x = write(Character(Unicode.Scalar(byte)), width: 1, x: x, y: point.y, style: resolved, limit: bounds.maxX)
            }
            return x
        }
        if DisplayWidth.simpleWidth(of: string) != nil {
            // Each scalar is a one-column grapheme of its own (sparklines, state markers).
            for scalar in string.unicodeScalars {
                if x >= bounds.maxX { break }
                if x < bounds.x {
                    x += 1
                    continue
                }
                x = write(Character(scalar), width: 1, x: x, y: point.y, style: resolved, limit: bounds.maxX)
            }
            return x
        }
        for character in string {
            if x >= bounds.maxX { break }
            let width = DisplayWidth.of(character)
            if width == 0 { continue }
            if x < bounds.x {
                x += width
                continue
            }
            x = write(character, width: width, x: x, y: point.y, style: resolved, limit: bounds.maxX)
        }
        return x
    }

    /// Writes `string` into `rect`'s first row, truncated with `…` if it does not fit, padded with
    /// blanks in `style` to the full width when `pad` is set. Returns the columns used by text.
    @discardableResult
    public mutating func set(line string: String, in rect: Rect, style: Style = .plain, alignment: Alignment = .left, pad: Bool = false) -> Int {
        guard rect.height > 0, rect.width > 0 else { return 0 }
        let text: String
        let used: Int
        if let bytes = Self.printableASCII(string), bytes.count <= rect.width {
            // Table cells are nearly always short ASCII: its width is its length.
            (text, used) = (string, bytes.count)
        } else if let simple = DisplayWidth.simpleWidth(of: string), simple <= rect.width {
            (text, used) = (string, simple)
        } else {
            text = Truncation.truncate(string, toWidth: rect.width)
            used = DisplayWidth.of(text)
        }
        if pad { fill(rect.row(0), style: style) }
        let start: Int
        switch alignment {
        case .left: start = rect.x
        case .right: start = rect.maxX - used
        case .center: start = rect.x + (rect.width - used) / 2
        }
        set(string: text, at: Point(x: start, y: rect.y), style: style, clip: rect.row(0))
        return used
    }

    /// The UTF-8 of `string` when every byte is printable ASCII (each then a one-column grapheme).
    private static func printableASCII(_ string: String) -> String.UTF8View? {
        let utf8 = string.utf8
        let printable = utf8.withContiguousStorageIfAvailable { bytes in
            bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        } ?? utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        return printable ? utf8 : nil
    }

    /// Writes one grapheme, keeping wide-character halves consistent; returns the next column.
    @discardableResult
    private mutating func write(_ character: Character, width: Int, x: Int, y: Int, style: Style, limit: Int) -> Int {
        guard x >= 0, y >= 0, y < size.height, x < size.width else { return x + width }
        let index = y * size.width + x
        if width == 2 {
            if x + 1 >= limit || x + 1 >= size.width {
                // Half a wide character cannot be drawn; a space keeps the columns aligned.
                place(.blank(style), at: index, column: x, row: y)
                return x + 2
            }
            place(Cell(symbol: character, style: style, width: 2), at: index, column: x, row: y)
            place(.continuation(style), at: index + 1, column: x + 1, row: y)
            return x + 2
        }
        place(Cell(symbol: character, style: style, width: 1), at: index, column: x, row: y)
        return x + 1
    }

    /// Stores `cell`, blanking the other half of any wide grapheme it overwrites.
    private mutating func place(_ cell: Cell, at index: Int, column: Int, row: Int) {
        let old = cells[index]
        if old.width == 0, column > 0, cell.width != 0 {
            cells[index - 1] = .blank(cells[index - 1].style)
        } else if old.width == 2, cell.width != 2, column + 1 < size.width {
            cells[index + 1] = .blank(cells[index + 1].style)
        }
        cells[index] = cell
    }
}

/// Horizontal placement of text inside a wider area.
public enum Alignment: Hashable, Sendable {
    /// Flush left.
    case left
    /// Flush right.
    case right
    /// Centred (an odd leftover column goes to the right).
    case center
}
