/// An editable single line of text with a cursor: the state behind a prompt or filter field.
public struct TextInput: Hashable, Sendable {
    /// The text, one element per grapheme.
    public private(set) var characters: [Character]
    /// The cursor's position as an index into `characters` (0…count).
    public private(set) var cursor: Int
    /// The longest text accepted, in graphemes.
    public var maxLength: Int

    /// Creates an input holding `text` with the cursor at its end.
    public init(_ text: String = "", maxLength: Int = 256) {
        characters = Array(text.prefix(max(0, maxLength)))
        cursor = characters.count
        self.maxLength = max(0, maxLength)
    }

    /// The current text.
    public var text: String { String(characters) }

    /// Inserts `character` at the cursor unless the text is full or it is a control character.
    public mutating func insert(_ character: Character) {
        guard characters.count < maxLength, DisplayWidth.of(character) > 0 else { return }
        characters.insert(character, at: cursor)
        cursor += 1
    }

    /// Removes the grapheme before the cursor.
    public mutating func backspace() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    /// Removes the grapheme under the cursor.
    public mutating func delete() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    /// Moves the cursor one grapheme left.
    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    /// Moves the cursor one grapheme right.
    public mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
    /// Moves the cursor to the start.
    public mutating func moveHome() { cursor = 0 }
    /// Moves the cursor to the end.
    public mutating func moveEnd() { cursor = characters.count }

    /// Removes all text.
    public mutating func clear() {
        characters.removeAll()
        cursor = 0
    }

    /// Applies an editing key; returns `false` for keys it does not use (Enter, Esc, arrows up/down…).
    @discardableResult
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .char(let character): insert(character)
        case .backspace, .ctrl("h"): backspace()
        case .delete, .ctrl("d"): delete()
        case .left, .ctrl("b"): moveLeft()
        case .right, .ctrl("f"): moveRight()
        case .home, .ctrl("a"): moveHome()
        case .end, .ctrl("e"): moveEnd()
        case .ctrl("u"): clear()
        default: return false
        }
        return true
    }

    /// Draws the text into `area`'s first row, scrolled so the cursor is visible; returns where
    /// the terminal cursor belongs (`nil` if `area` is empty).
    @discardableResult
    public func render(in area: Rect, buffer: inout Buffer, style: Style = Style(attributes: .underline)) -> Point? {
        guard !area.isEmpty else { return nil }
        let row = area.row(0)
        buffer.fill(row, style: style)
        // Scroll so that the cursor column (plus one free cell for it) fits in the row.
        var first = 0
        var widthToCursor = 0
        for index in 0..<cursor { widthToCursor += DisplayWidth.of(characters[index]) }
        while widthToCursor + 1 > row.width && first < cursor {
            widthToCursor -= DisplayWidth.of(characters[first])
            first += 1
        }
        var x = row.x
        for index in first..<characters.count {
            let width = DisplayWidth.of(characters[index])
            if x + width > row.maxX { break }
            x = buffer.set(string: String(characters[index]), at: Point(x: x, y: row.y), style: style, clip: row)
        }
        return Point(x: min(row.x + widthToCursor, row.maxX - 1), y: row.y)
    }
}
