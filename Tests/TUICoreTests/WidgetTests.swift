import TUICore
import TUICoreTesting
import Testing

@Suite struct SparklineTests {
    @Test func scalesToTheLargestValue() {
        #expect(Sparkline([0, 1, 2, 4, 8]).text(width: 5) == " ▁▂▄█")
        #expect(Sparkline([1, 2, 3, 4, 5, 6, 7, 8]).text(width: 8) == "▁▂▃▄▅▆▇█")
    }

    @Test func zerosAreBlankAndEqualValuesAreFull() {
        #expect(Sparkline([0, 0, 0]).text(width: 3) == "   ")
        #expect(Sparkline([5, 5, 5]).text(width: 3) == "███")
        #expect(Sparkline([]).text(width: 3) == "   ")
    }

    @Test func largeSmallAndBadValues() {
        #expect(Sparkline([1e18, 1, 5e17]).text(width: 3) == "█▁▄")
        #expect(Sparkline([.nan, .infinity, -3, 2]).text(width: 4) == "   █")
        #expect(Sparkline([50, 200], maximum: 100).text(width: 2) == "▄█")
    }

    @Test func showsTheNewestValuesRightAligned() {
        #expect(Sparkline([8, 8, 1, 8]).text(width: 2) == "▁█")
        #expect(Sparkline([8]).text(width: 4) == "   █")
        #expect(Sparkline([8]).text(width: 0) == "")
    }

    @Test func asciiFallback() {
        #expect(Sparkline([0, 1, 4, 8], ascii: true).text(width: 4) == " .-#")
        #expect(Sparkline([1, 2, 3, 4, 5, 6, 7, 8], ascii: true).text(width: 8).allSatisfy { $0.isASCII })
    }

    @Test(arguments: screenSizes)
    func rendersAtAnySize(width: Int, height: Int) {
        let backend = screen(width: width, height: height) { buffer in
            Sparkline([1, 2, 3, 4]).render(in: buffer.area, buffer: &buffer)
        }
        if width >= 4 && height >= 1 { #expect(backend.line(0).hasSuffix("▂▄▆█")) }
        #expect(backend.lines.allSatisfy { DisplayWidth.of($0) == width })
    }
}

@Suite struct GaugeTests {
    @Test func fillsInProportionWithCentredLabel() {
        let backend = screen(width: 10, height: 1) { buffer in
            Gauge(ratio: 0.5).render(in: buffer.area, buffer: &buffer)
        }
        #expect(backend.line(0) == "   50%    ")
        #expect(backend.style(x: 4, y: 0)?.attributes == .reverse)
        #expect(backend.style(x: 5, y: 0)?.attributes == [])
    }

    @Test func clampsOutOfRangeRatios() {
        #expect(Gauge(ratio: 3).clampedRatio == 1)
        #expect(Gauge(ratio: -1).clampedRatio == 0)
        #expect(Gauge(ratio: .nan).clampedRatio == 0)
    }

    @Test(arguments: screenSizes)
    func rendersAtAnySize(width: Int, height: Int) {
        let backend = screen(width: width, height: height) { buffer in
            Gauge(ratio: 0.42, label: "42% of 100 sessions").render(in: buffer.area, buffer: &buffer)
        }
        #expect(backend.lines.allSatisfy { DisplayWidth.of($0) == width })
        if width == 80 { #expect(backend.line(0).contains("42% of 100 sessions")) }
        if width == 10 { #expect(backend.line(0) == "42% of 10…") }
    }
}

@Suite struct FunctionBarTests {
    private let items = [FunctionBar.Item(key: "F1", label: "Help"), FunctionBar.Item(key: "F2", label: "Drain"),
                         FunctionBar.Item(key: "F10", label: "Quit"), FunctionBar.Item(key: "w", label: "Weight", isEnabled: false)]

    @Test func rendersLikeHtop() {
        let backend = screen(width: 40, height: 1) { buffer in
            FunctionBar(items).render(in: buffer.area, buffer: &buffer)
        }
        #expect(backend.line(0) == "F1Help  F2Drain F10Quit  wWeight        ")
        #expect(backend.style(x: 0, y: 0)?.attributes == [])
        #expect(backend.style(x: 2, y: 0)?.attributes == .reverse)
        #expect(backend.style(x: 26, y: 0)?.attributes == [.reverse, .dim])
        #expect(backend.style(x: 39, y: 0)?.attributes == .reverse)
    }

    @Test(arguments: screenSizes)
    func rendersAtAnySize(width: Int, height: Int) {
        let backend = screen(width: width, height: height) { buffer in
            FunctionBar(items).render(in: buffer.area, buffer: &buffer)
        }
        #expect(backend.lines.allSatisfy { DisplayWidth.of($0) == width })
        if width == 10 && height > 0 { #expect(backend.line(0) == "F1Help  F2") }
    }
}

@Suite struct StatusLineTests {
    @Test func dropsRightTextBeforeTruncatingLeft() {
        let wide = screen(width: 30, height: 1) { buffer in
            StatusLine("3 routers", right: "12:00:01").render(in: buffer.area, buffer: &buffer)
        }
        #expect(wide.line(0) == "3 routers             12:00:01")
        let narrow = screen(width: 12, height: 1) { buffer in
            StatusLine("router r1 unreachable", right: "12:00:01").render(in: buffer.area, buffer: &buffer)
        }
        #expect(narrow.line(0) == "router r1 u…")
        #expect(narrow.style(x: 11, y: 0)?.attributes == .reverse)
    }

    @Test(arguments: screenSizes)
    func rendersAtAnySize(width: Int, height: Int) {
        let backend = screen(width: width, height: height) { buffer in
            StatusLine("error: 漢字 timeout", right: "paused").render(in: buffer.area, buffer: &buffer)
        }
        #expect(backend.lines.allSatisfy { DisplayWidth.of($0) == width })
    }
}

@Suite struct DialogTests {
    @Test func confirmDialogIsCentredWithButtons() {
        let backend = screen(width: 40, height: 9) { buffer in
            Dialog(title: "Drain", message: "Drain node n1 on r1?", buttons: ["Yes", "No"], selectedButton: 1)
                .render(in: buffer.area, buffer: &buffer)
        }
        #expect(backend.text == """


                    ┌ Drain ───────────────┐
                    │ Drain node n1 on r1? │
                    │                      │
                    │   [ Yes ]  [ No ]    │
                    └──────────────────────┘
            """)
        // "[ No ]" is the selected button, "[ Yes ]" is not.
        let noX = 23, yesX = 14
        #expect(backend.cell(x: noX, y: 5)?.symbol == "N")
        #expect(backend.style(x: noX, y: 5)?.attributes == .reverse)
        #expect(backend.cell(x: yesX, y: 5)?.symbol == "Y")
        #expect(backend.style(x: yesX, y: 5)?.attributes == [])
    }

    @Test func promptDialogReturnsTheFieldCursor() {
        var input = TextInput("10")
        input.moveLeft()
        var cursor: Point?
        let backend = screen(width: 50, height: 12) { buffer in
            cursor = Dialog(title: "Weight", message: "New weight for n1:", buttons: ["OK", "Cancel"], input: input)
                .render(in: buffer.area, buffer: &buffer)
        }
        let fieldRow = backend.lines.firstIndex { $0.contains("10") }
        #expect(fieldRow != nil)
        #expect(cursor?.y == fieldRow)
        if let cursor { #expect(backend.cell(x: cursor.x, y: cursor.y)?.symbol == "0") }
        #expect(backend.text.contains("[ OK ]  [ Cancel ]"))
    }

    @Test func longMessagesWrapInsideTheBox() {
        let backend = screen(width: 30, height: 10) { buffer in
            Dialog(title: "Kick", message: "Kick node 10.0.0.1:3031 from every key of router edge-1?", buttons: ["Yes", "No"])
                .render(in: buffer.area, buffer: &buffer)
        }
        #expect(backend.text.contains("│ Kick node 10.0.0.1:3031    │"))
        #expect(backend.lines.allSatisfy { DisplayWidth.of($0) == 30 })
    }

    @Test(arguments: screenSizes)
    func rendersAtAnySize(width: Int, height: Int) {
        let backend = screen(width: width, height: height) { buffer in
            Dialog(title: "Drain everywhere", message: "Drain 10.0.0.7:3031 on all 12 routers?", buttons: ["Yes", "No"],
                   input: TextInput("reason"))
                .render(in: buffer.area, buffer: &buffer)
        }
        #expect(backend.lines.allSatisfy { DisplayWidth.of($0) == width })
        if width >= 10 && height >= 1 { #expect(backend.text.contains("Drain")) }
    }
}
