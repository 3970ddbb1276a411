/// A key the user pressed.
public enum Key: Hashable, Sendable {
    /// A printable grapheme (letters, digits, punctuation, space, any script).
    case char(Character)
    /// Control plus a letter `a`–`z` (lower-case), except those with their own case (Tab, Enter, Backspace).
    case ctrl(Character)
    /// Arrow up.
    case up
    /// Arrow down.
    case down
    /// Arrow left.
    case left
    /// Arrow right.
    case right
    /// Page up.
    case pageUp
    /// Page down.
    case pageDown
    /// Home.
    case home
    /// End.
    case end
    /// Enter / Return.
    case enter
    /// Escape.
    case escape
    /// Backspace.
    case backspace
    /// Delete (forward).
    case delete
    /// Insert.
    case insert
    /// Tab.
    case tab
    /// Shift-Tab.
    case backTab
    /// A function key F1–F12.
    case function(Int)

    /// The short name used in help screens and function bars: `q`, `^C`, `F1`, `PgDn`, `Enter`.
    public var label: String {
        switch self {
        case .char(" "): return "Space"
        case .char(let character): return String(character)
        case .ctrl(let character): return "^" + String(character).uppercased()
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .backspace: return "Bksp"
        case .delete: return "Del"
        case .insert: return "Ins"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .function(let number): return "F\(number)"
        }
    }
}

/// What an `InputSource` delivers: a key, or the terminal's new size after a resize.
public enum KeyEvent: Hashable, Sendable {
    /// A key press.
    case key(Key)
    /// The terminal was resized to this size.
    case resize(Size)
}
