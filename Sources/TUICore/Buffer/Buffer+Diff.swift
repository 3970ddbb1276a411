/// A run of adjacent changed cells on one row, to be drawn left to right from `(x, y)`.
///
/// `cells` is a slice of the new frame's storage, so building runs copies no cells. A run may
/// contain continuation cells (right halves of wide graphemes); backends skip them because
/// drawing the wide grapheme already covered that column.
public struct DrawRun: Sendable, Equatable {
    /// Column of the first cell.
    public var x: Int
    /// Row.
    public var y: Int
    /// The cells to draw, in order.
    public var cells: ArraySlice<Cell>

    /// Creates a run.
    public init(x: Int, y: Int, cells: ArraySlice<Cell>) {
        self.x = x
        self.y = y
        self.cells = cells
    }
}

extension Buffer {
    /// The runs of cells that differ between `previous` and this buffer, in row-major order.
    ///
    /// One pass over the cells, no allocation besides the result. Identical frames give no runs;
    /// a single changed narrow cell gives one run of one cell. A run never starts on a
    /// continuation cell: it is widened to include the wide grapheme's first half. When the sizes
    /// differ every row is one run (the caller should also clear the terminal).
    public func diff(from previous: Buffer) -> [DrawRun] {
        let width = size.width
        guard previous.size == size else { return fullRedraw() }
        var runs: [DrawRun] = []
        cells.withUnsafeBufferPointer { new in
            previous.cells.withUnsafeBufferPointer { old in
                for row in 0..<size.height {
                    let base = row * width
                    var column = 0
                    while column < width {
                        if new[base + column] == old[base + column] {
                            column += 1
                            continue
                        }
                        var start = column
                        if new[base + start].width == 0 && start > 0 { start -= 1 }
                        var end = column + 1
                        while end < width && new[base + end] != old[base + end] { end += 1 }
                        // A wide grapheme at the end of the run draws over the next column too.
                        if new[base + end - 1].width == 2 && end < width { end += 1 }
                        runs.append(DrawRun(x: start, y: row, cells: cells[(base + start)..<(base + end)]))
                        column = end
                    }
                }
            }
        }
        return runs
    }

    /// Every row as one run: what a full redraw sends.
    public func fullRedraw() -> [DrawRun] {
        (0..<size.height).map { row in
            DrawRun(x: 0, y: row, cells: cells[(row * size.width)..<(row * size.width + size.width)])
        }
    }
}
