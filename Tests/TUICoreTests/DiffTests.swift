import TUICoreTesting
import Testing
@testable import TUICore

@Suite struct DiffTests {
    private func frame(_ rows: [String], width: Int = 10) -> Buffer {
        var buffer = Buffer(size: Size(width: width, height: rows.count))
        for (y, row) in rows.enumerated() { buffer.set(string: row, at: Point(x: 0, y: y)) }
        return buffer
    }

    @Test func identicalFramesHaveNoChanges() {
        let a = frame(["hello", "漢字 e\u{301}", "world"])
        let b = frame(["hello", "漢字 e\u{301}", "world"])
        #expect(b.diff(from: a).isEmpty)
    }

    @Test func oneChangedCellIsOneRunOfOneCell() {
        let a = frame(["hello", "world"])
        let b = frame(["hello", "wOrld"])
        let runs = b.diff(from: a)
        #expect(runs.count == 1)
        #expect(runs.first?.x == 1)
        #expect(runs.first?.y == 1)
        #expect(runs.first?.cells.map(\.symbol) == ["O"])
    }

    @Test func styleOnlyChangeIsAChange() {
        let a = frame(["abc"])
        var b = a
        b.setStyle(Style(foreground: .red), in: Rect(x: 2, y: 0, width: 1, height: 1))
        #expect(b.diff(from: a).map(\.x) == [2])
    }

    @Test func adjacentChangesMergeSeparatedOnesDoNot() {
        let a = frame(["abcdefgh"])
        let b = frame(["aXYdeZgh"])
        let runs = b.diff(from: a)
        #expect(runs.map(\.x) == [1, 5])
        #expect(runs.map { $0.cells.count } == [2, 1])
    }

    @Test func runsIncludeTheWholeWideCharacter() {
        let a = frame(["a漢b"])
        let b = frame(["a字b"])
        let runs = b.diff(from: a)
        #expect(runs.count == 1)
        #expect(runs.first?.x == 1)
        #expect(runs.first?.cells.count == 2)
    }

    @Test func runNeverStartsOnAContinuation() {
        // Only the right half changes style: the run must start at the wide grapheme.
        let a = frame(["漢"])
        var b = a
        b.setStyle(Style(attributes: .bold), in: Rect(x: 1, y: 0, width: 1, height: 1))
        let runs = b.diff(from: a)
        #expect(runs.first?.x == 0)
        #expect(runs.first?.cells.first?.width == 2)
    }

    @Test func sizeChangeRedrawsEveryRow() {
        let a = frame(["ab"], width: 4)
        let b = frame(["ab", "cd"], width: 5)
        let runs = b.diff(from: a)
        #expect(runs.count == 2)
        #expect(runs.allSatisfy { $0.cells.count == 5 })
    }

    @Test func terminalSendsOnlyChangedCells() {
        let backend = TestBackend(width: 20, height: 5)
        let terminal = Terminal(backend: backend)
        var counter = 0
        for _ in 0..<3 {
            terminal.draw { buffer in
                buffer.set(string: "static text", at: Point(x: 0, y: 0))
                buffer.set(string: "n=\(counter)", at: Point(x: 0, y: 2))
                return nil
            }
            counter += 1
        }
        // First frame: full redraw (100 cells); then one changed digit per frame.
        #expect(backend.cellsWritten == 100 + 1 + 1)
        #expect(terminal.lastRunCount == 1)
        #expect(backend.line(2) == "n=2                 ")
        #expect(backend.flushCount == 3)
    }

    @Test func terminalRedrawsFullyAfterResizeAndPaletteChange() {
        let backend = TestBackend(width: 10, height: 2)
        let role = StyleRole(1)
        let terminal = Terminal(backend: backend, palette: Palette([role: Style(foreground: .green)]))
        let render: (inout Buffer) -> Point? = { buffer in
            buffer.set(string: "ok", at: Point(x: 0, y: 0), style: .role(role))
            return Point(x: 2, y: 0)
        }
        terminal.draw(render)
        backend.size = Size(width: 12, height: 3)
        terminal.draw(render)
        #expect(terminal.lastRunCount == 3)
        #expect(backend.lines == ["ok          ", "            ", "            "])
        #expect(backend.cursor == Point(x: 2, y: 0))
        terminal.palette = Palette([role: Style(foreground: .red)])
        terminal.draw(render)
        #expect(terminal.lastRunCount == 3)
        #expect(backend.style(x: 0, y: 0)?.foreground == .red)
        #expect(backend.style(x: 0, y: 0)?.role == role)
    }
}
