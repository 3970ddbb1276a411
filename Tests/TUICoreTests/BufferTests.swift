import Testing
@testable import TUICore

@Suite struct BufferTests {
    @Test func writesTextAndReturnsNextColumn() {
        var buffer = Buffer(size: Size(width: 10, height: 2))
        let next = buffer.set(string: "abc", at: Point(x: 2, y: 1))
        #expect(next == 5)
        #expect(rowText(buffer, 1) == "  abc     ")
        #expect(rowText(buffer, 0) == "          ")
    }

    @Test func clipsToBufferAndClipRect() {
        var buffer = Buffer(size: Size(width: 6, height: 2))
        buffer.set(string: "hello world", at: Point(x: 3, y: 0))
        #expect(rowText(buffer, 0) == "   hel")
        buffer.set(string: "abcdef", at: Point(x: -2, y: 1), clip: Rect(x: 0, y: 1, width: 3, height: 1))
        #expect(rowText(buffer, 1) == "cde   ")
        buffer.set(string: "zzz", at: Point(x: 0, y: 5))
        buffer.set(string: "zzz", at: Point(x: 0, y: 0), clip: Rect(x: 0, y: 1, width: 6, height: 1))
        #expect(rowText(buffer, 0) == "   hel")
    }

    @Test(arguments: [("a", 1), ("漢字", 4), ("e\u{301}", 1), ("é", 1), ("👍", 2), ("👨‍👩‍👧", 2), ("☺\u{FE0F}", 2),
                      ("한국어", 6), ("ｱ", 1), ("Ａ", 2), ("\u{7}", 0), ("\u{200B}", 0), ("│─", 2)])
    func displayWidths(text: String, width: Int) {
        #expect(DisplayWidth.of(text) == width)
    }

    @Test func wideCharactersTakeTwoCells() {
        var buffer = Buffer(size: Size(width: 6, height: 1))
        let next = buffer.set(string: "a漢字", at: Point(x: 0, y: 0))
        #expect(next == 5)
        #expect(buffer[1, 0]?.width == 2)
        #expect(buffer[2, 0]?.isContinuation == true)
        #expect(buffer[3, 0]?.symbol == "字")
        #expect(rowText(buffer, 0) == "a漢字 ")
    }

    @Test func wideCharacterAtTheEdgeBecomesASpace() {
        var buffer = Buffer(size: Size(width: 4, height: 1))
        buffer.set(string: "abc漢", at: Point(x: 0, y: 0))
        #expect(rowText(buffer, 0) == "abc ")
        #expect(buffer[3, 0]?.width == 1)
    }

    @Test func combiningMarksStayWithTheirBase() {
        var buffer = Buffer(size: Size(width: 4, height: 1))
        buffer.set(string: "e\u{301}x", at: Point(x: 0, y: 0))
        #expect(buffer[0, 0]?.symbol == "e\u{301}")
        #expect(buffer[0, 0]?.symbol.unicodeScalars.count == 2)
        #expect(buffer[1, 0]?.symbol == "x")
        // A mark with no base before it in the string has nothing to attach to and is dropped.
        buffer.set(string: "\u{301}y", at: Point(x: 2, y: 0))
        #expect(rowText(buffer, 0) == "e\u{301}xy ")
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var buffer = Buffer(size: Size(width: 6, height: 1))
        buffer.set(string: "漢字", at: Point(x: 0, y: 0))
        buffer.set(string: "x", at: Point(x: 1, y: 0))
        #expect(rowText(buffer, 0) == " x字  ")
        buffer.set(string: "y", at: Point(x: 2, y: 0))
        #expect(rowText(buffer, 0) == " xy   ")
        #expect(buffer.cells.allSatisfy { !$0.isContinuation })
    }

    @Test func wideCharacterOverAnotherShiftedByOneKeepsHalvesConsistent() {
        var buffer = Buffer(size: Size(width: 6, height: 1))
        buffer.set(string: "漢", at: Point(x: 1, y: 0))
        buffer.set(string: "字", at: Point(x: 0, y: 0))
        #expect(rowText(buffer, 0) == "字    ")
        #expect(buffer[2, 0]?.isContinuation == false)
    }

    @Test func setLineTruncatesWithEllipsisAndAligns() {
        var buffer = Buffer(size: Size(width: 8, height: 3))
        buffer.set(line: "abcdefghij", in: Rect(x: 0, y: 0, width: 5, height: 1))
        buffer.set(line: "ab", in: Rect(x: 0, y: 1, width: 5, height: 1), alignment: .right)
        buffer.set(line: "ab", in: Rect(x: 0, y: 2, width: 6, height: 1), alignment: .center)
        #expect(rowText(buffer, 0) == "abcd…   ")
        #expect(rowText(buffer, 1) == "   ab   ")
        #expect(rowText(buffer, 2) == "  ab    ")
    }

    @Test func truncationCountsColumnsNotCharacters() {
        #expect(Truncation.truncate("漢字漢字", toWidth: 5) == "漢字…")
        #expect(Truncation.truncate("漢字", toWidth: 4) == "漢字")
        #expect(Truncation.truncate("abc", toWidth: 1) == "…")
        #expect(Truncation.truncate("abc", toWidth: 0) == "")
        #expect(Truncation.fit("ab", toWidth: 4, alignment: .right) == "  ab")
    }

    @Test func wrapBreaksAtSpacesAndSplitsLongWords() {
        #expect(Truncation.wrap("drain node one now", toWidth: 10) == ["drain node", "one now"])
        #expect(Truncation.wrap("abcdefghij", toWidth: 4) == ["abcd", "efgh", "ij"])
        #expect(Truncation.wrap("a\n\nb", toWidth: 4) == ["a", "", "b"])
        #expect(Truncation.wrap("漢字漢", toWidth: 1) == ["漢", "字", "漢"])
    }

    @Test func stylesResolveRolesThroughThePalette() {
        let warning = StyleRole(3)
        var buffer = Buffer(size: Size(width: 4, height: 1),
                            palette: Palette([warning: Style(foreground: .yellow, attributes: .bold)]))
        buffer.set(string: "ab", at: Point(x: 0, y: 0), style: Style(background: .blue, attributes: .underline, role: warning))
        let style = buffer[0, 0]?.style
        #expect(style?.foreground == .yellow)
        #expect(style?.background == .blue)
        #expect(style?.attributes == [.bold, .underline])
        #expect(style?.role == warning)
        buffer.set(string: "c", at: Point(x: 2, y: 0), style: .role(StyleRole(9)))
        #expect(buffer[2, 0]?.style.foreground == .default)
    }

    @Test func fillAndSetStyleStayInsideTheRect() {
        var buffer = Buffer(size: Size(width: 5, height: 3))
        buffer.fill(Rect(x: 3, y: 1, width: 10, height: 10), with: "#")
        #expect(buffer.cells.filter { $0.symbol == "#" }.count == 4)
        buffer.setStyle(Style(attributes: .reverse), in: Rect(x: 0, y: 2, width: 2, height: 1))
        #expect(buffer.cells.filter { $0.style.attributes == .reverse }.count == 2)
        #expect(rowText(buffer, 1) == "   ##")
    }

    @Test func fillThatCutsWideCharactersBlanksTheirOtherHalves() {
        var buffer = Buffer(size: Size(width: 8, height: 1))
        buffer.set(string: "漢字漢字", at: Point(x: 0, y: 0))
        // Starts on 漢's right half and ends on the next 漢's left half; 字 in between is covered.
        buffer.fill(Rect(x: 1, y: 0, width: 4, height: 1), with: "#")
        #expect(rowText(buffer, 0) == " #### 字")
        #expect(buffer.cells.map(\.width) == [1, 1, 1, 1, 1, 1, 2, 0])
    }

    @Test func colorNamesParse() {
        #expect(Color(name: "red") == .red)
        #expect(Color(name: "Default") == .default)
        #expect(Color(name: "bright-blue") == .indexed(12))
        #expect(Color(name: "208") == .indexed(208))
        #expect(Color(name: "purple") == nil)
        #expect(Color(name: "256") == nil)
    }

    @Test("printable ASCII (the fast path) fits, truncates, clips and overwrites wide cells like any text")
    func asciiFastPathAgreesWithGeneralRules() {
        var buffer = Buffer(size: Size(width: 8, height: 4))
        #expect(buffer.set(line: "abcdefgh", in: Rect(x: 0, y: 0, width: 8, height: 1)) == 8)
        #expect(rowText(buffer, 0) == "abcdefgh")
        #expect(buffer.set(line: "abcdefghi", in: Rect(x: 0, y: 1, width: 8, height: 1)) == 8)
        #expect(rowText(buffer, 1) == "abcdefg…")
        // Starting left of the clip: the hidden columns are skipped, not shifted.
        #expect(buffer.set(string: "abcdef", at: Point(x: -2, y: 2), clip: Rect(x: 1, y: 2, width: 3, height: 1)) == 4)
        #expect(rowText(buffer, 2) == " def    ")
        // Writing ASCII over the second half of a wide character blanks its first half.
        buffer.set(string: "漢", at: Point(x: 0, y: 3))
        buffer.set(string: "x", at: Point(x: 1, y: 3))
        #expect(rowText(buffer, 3) == " x      ")
        // Control bytes are not printable ASCII: they take the general path and no columns.
        #expect(buffer.set(string: "a\tb", at: Point(x: 4, y: 3)) == 6)
        #expect(rowText(buffer, 3) == " x  ab  ")
    }
}
