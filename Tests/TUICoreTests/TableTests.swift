import TUICoreTesting
import Testing
import TUICore

@Suite struct TableTests {
    private let columns = [
        TableColumn("NAME", width: .flexible(min: 6, max: 20, flex: 1)),
        TableColumn("STATE", width: .fixed(8)),
        TableColumn("REQ/S", width: .fixed(7), alignment: .right),
    ]

    private func rows(_ count: Int) -> [TableRow] {
        (0..<count).map { TableRow([TableCell("node-\($0)"), "ready", TableCell("\($0 * 10)")]) }
    }

    @Test func columnWidthsHonourMinMaxAndFlex() {
        let table = Table(columns: columns, rows: [])
        #expect(table.columnWidths(totalWidth: 80) == [20, 8, 7])
        #expect(table.columnWidths(totalWidth: 30) == [13, 8, 7])
        // Only NAME and part of STATE fit; REQ/S is hidden.
        #expect(table.columnWidths(totalWidth: 10) == [6, 3, 0])
        #expect(table.columnWidths(totalWidth: 0) == [0, 0, 0])
        let flexible = Table(columns: [TableColumn("A", width: .flexible(min: 1, flex: 1)),
                                       TableColumn("B", width: .flexible(min: 1, flex: 3))], rows: [], columnSpacing: 0)
        #expect(flexible.columnWidths(totalWidth: 10) == [3, 7])
    }

    @Test func rendersHeaderRowsAndAlignment() {
        let backend = screen(width: 40, height: 5) { buffer in
            var state = TableState()
            Table(columns: columns, rows: rows(3)).render(in: buffer.area, buffer: &buffer, state: &state)
        }
        #expect(backend.text == """
            NAME                 STATE      REQ/S
            node-0               ready          0
            node-1               ready         10
            node-2               ready         20
            """)
        #expect(backend.style(x: 0, y: 0)?.attributes == [.bold, .reverse])
        #expect(backend.style(x: 39, y: 0)?.attributes == [.bold, .reverse])
    }

    @Test func truncatesLongCellsWithEllipsis() {
        let backend = screen(width: 22, height: 2) { buffer in
            var state = TableState()
            let table = Table(columns: columns, rows: [TableRow(["a-very-long-node-name-indeed", "draining", "1"])])
            table.render(in: buffer.area, buffer: &buffer, state: &state)
        }
        #expect(backend.line(1) == "a-ver… draining      1")
    }

    @Test func selectionIsHighlightedAndScrolledIntoView() {
        var state = TableState(selected: 0)
        let table = Table(columns: columns, rows: rows(1000), selectedStyle: Style(background: .blue))
        let backend = TestBackend(width: 40, height: 6)
        let terminal = Terminal(backend: backend)
        let render: (TableState) -> TableState = { initial in
            var current = initial
            terminal.draw { buffer in
                table.render(in: buffer.area, buffer: &buffer, state: &current)
                return nil
            }
            return current
        }
        state = render(state)
        #expect(backend.style(x: 0, y: 1)?.background == .blue)
        #expect(backend.style(x: 0, y: 2)?.background == .default)
        state.pageDown(rowCount: 1000, pageSize: table.visibleRowCount(height: 6))
        state = render(state)
        #expect(state.selected == 5)
        #expect(state.offset == 1)
        #expect(backend.line(5).hasPrefix("node-5 "))
        #expect(backend.style(x: 3, y: 5)?.background == .blue)
        state.selectLast(rowCount: 1000)
        state = render(state)
        #expect(state.offset == 995)
        #expect(backend.line(5).hasPrefix("node-999 "))
        state.selectFirst(rowCount: 1000)
        state.selectPrevious(rowCount: 1000)
        state = render(state)
        #expect(state.selected == 0)
        #expect(state.offset == 0)
        #expect(backend.line(1).hasPrefix("node-0 "))
    }

    @Test func stateClampsWhenRowsDisappear() {
        var state = TableState(selected: 50, offset: 45)
        state.clamp(rowCount: 10)
        #expect(state.selected == 9)
        state.scrollToSelection(rowCount: 10, visibleRows: 4)
        #expect(state.offset == 6)
        state.clamp(rowCount: 0)
        #expect(state.selected == nil)
        state.selectNext(rowCount: 0)
        #expect(state.selected == nil)
        state.selectNext(rowCount: 3)
        #expect(state.selected == 0)
    }

    @Test func cellStylesApplyExceptOnTheSelectedRow() {
        let red = Style(foreground: .red)
        let backend = screen(width: 30, height: 3) { buffer in
            var state = TableState(selected: 1)
            let table = Table(columns: columns, rows: [TableRow(["n0", TableCell("dead", style: red), "0"]),
                                                       TableRow(["n1", TableCell("dead", style: red), "0"])])
            table.render(in: buffer.area, buffer: &buffer, state: &state)
        }
        #expect(backend.style(x: 14, y: 1)?.foreground == .red)
        #expect(backend.style(x: 14, y: 2)?.foreground == .default)
        #expect(backend.style(x: 14, y: 2)?.attributes == .reverse)
    }

    @Test func emptyTableShowsItsMessage() {
        let backend = screen(width: 30, height: 3) { buffer in
            var state = TableState(selected: 3)
            Table(columns: columns, rows: [], emptyMessage: "no routers").render(in: buffer.area, buffer: &buffer, state: &state)
            #expect(state.selected == nil)
        }
        #expect(backend.line(1).hasPrefix("no routers"))
    }

    @Test(arguments: screenSizes)
    func rendersAtAnySize(width: Int, height: Int) {
        let backend = screen(width: width, height: height) { buffer in
            var state = TableState(selected: 7)
            Table(columns: columns, rows: rows(20)).render(in: buffer.area, buffer: &buffer, state: &state)
            #expect(state.offset <= 7)
        }
        #expect(backend.lines.count == height)
        #expect(backend.lines.allSatisfy { DisplayWidth.of($0) == width })
        if width >= 6 && height >= 2 { #expect(backend.line(0).hasPrefix("NAME")) }
    }
}
