import TUICoreTesting
import Testing
import TUICore

@Suite struct TextInputTests {
    @Test func insertsDeletesAndMoves() {
        var input = TextInput()
        for key: Key in [.char("a"), .char("c"), .left, .char("b"), .end, .char("d")] { input.handle(key) }
        #expect(input.text == "abcd")
        input.handle(.home)
        input.handle(.delete)
        #expect(input.text == "bcd")
        #expect(input.cursor == 0)
        input.handle(.backspace)
        #expect(input.text == "bcd")
        input.handle(.right)
        input.handle(.backspace)
        #expect(input.text == "cd")
        input.handle(.end)
        input.handle(.delete)
        #expect(input.text == "cd")
        input.handle(.right)
        #expect(input.cursor == 2)
    }

    @Test func reportsKeysItDoesNotUse() {
        var input = TextInput("x")
        #expect(input.handle(.enter) == false)
        #expect(input.handle(.escape) == false)
        #expect(input.handle(.up) == false)
        #expect(input.handle(.ctrl("u")) == true)
        #expect(input.text == "")
    }

    @Test func respectsMaxLengthAndIgnoresControls() {
        var input = TextInput("abc", maxLength: 4)
        input.insert("d")
        input.insert("e")
        input.insert("\u{7}")
        #expect(input.text == "abcd")
        #expect(TextInput("abcdef", maxLength: 2).text == "ab")
    }

    @Test func editsWholeGraphemes() {
        var input = TextInput("漢e\u{301}")
        input.backspace()
        #expect(input.text == "漢")
        input.insert("字")
        #expect(input.characters.count == 2)
    }

    @Test func scrollsToKeepTheCursorVisible() {
        var input = TextInput("0123456789")
        var buffer = Buffer(size: Size(width: 5, height: 1))
        let cursor = input.render(in: buffer.area, buffer: &buffer)
        #expect(rowText(buffer, 0) == "6789 ")
        #expect(cursor == Point(x: 4, y: 0))
        input.moveHome()
        buffer.reset()
        let home = input.render(in: buffer.area, buffer: &buffer)
        #expect(rowText(buffer, 0) == "01234")
        #expect(home == Point(x: 0, y: 0))
    }

    @Test(arguments: screenSizes)
    func rendersAtAnySize(width: Int, height: Int) {
        var cursor: Point?
        let backend = screen(width: width, height: height) { buffer in
            cursor = TextInput("node-漢字-1").render(in: buffer.area, buffer: &buffer)
        }
        #expect(backend.lines.allSatisfy { DisplayWidth.of($0) == width })
        if width > 0 && height > 0 {
            #expect(cursor.map { $0.x < width } == true)
        } else {
            #expect(cursor == nil)
        }
    }
}

@Suite struct InputTests {
    @Test func scriptedInputDeliversInOrderThenTimesOut() {
        let input = TestInput(typing: "dy\n")
        #expect(input.nextEvent(timeout: .milliseconds(10)) == .key(.char("d")))
        #expect(input.nextEvent(timeout: .milliseconds(10)) == .key(.char("y")))
        #expect(input.nextEvent(timeout: nil) == .key(.enter))
        #expect(input.isExhausted)
        #expect(input.nextEvent(timeout: .zero) == nil)
        #expect(input.timeouts == 1)
        input.append(.resize(Size(width: 100, height: 30)))
        #expect(input.nextEvent(timeout: .zero) == .resize(Size(width: 100, height: 30)))
    }

    @Test func keyLabels() {
        #expect(Key.function(10).label == "F10")
        #expect(Key.ctrl("c").label == "^C")
        #expect(Key.char(" ").label == "Space")
        #expect(Key.pageDown.label == "PgDn")
    }
}
