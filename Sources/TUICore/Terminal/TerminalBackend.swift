/// A place frames are drawn: a real terminal or the in-memory `TestBackend` (in TUICoreTesting).
///
/// `Terminal` drives a backend; applications rarely call it directly. Calls must come from one
/// thread (curses is not thread-safe).
public protocol TerminalBackend: AnyObject {
    /// The current size in cells.
    var size: Size { get }
    /// Takes over the screen (alternate screen, raw-ish input); called once before drawing.
    func begin() throws
    /// Gives the screen back as it was; safe to call more than once.
    func end()
    /// Draws changed runs into the backend's pending output.
    func draw(_ runs: [DrawRun])
    /// Makes pending output visible.
    func flush()
    /// Blanks the whole screen (used after a resize or a palette change).
    func clear()
    /// Shows the cursor at `position`, or hides it when `nil`.
    func setCursor(_ position: Point?)
}

/// A source of key presses and resize notices.
public protocol InputSource: AnyObject {
    /// The next event, waiting at most `timeout` (`nil` waits indefinitely); `nil` on timeout.
    func nextEvent(timeout: Duration?) -> KeyEvent?
}
