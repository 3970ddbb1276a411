extension Buffer {
    /// Stores a cell verbatim (no wide-character bookkeeping): what a terminal does with output;
    /// for in-memory terminals (`TestBackend` in TUICoreTesting).
    package mutating func store(_ cell: Cell, x: Int, y: Int) {
        guard let index = offset(x: x, y: y) else { return }
        cells[index] = cell
    }
}
