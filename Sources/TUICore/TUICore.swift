/// TUICore: the terminal-agnostic UI kernel of Fleettop's dashboard (standard library only).
///
/// The model is ratatui's: every frame, the application renders its state into a `Buffer` —
/// a flat, row-major grid of `Cell`s (a grapheme, its resolved `Style`, its column width).
/// `Terminal` diffs the new frame against the last one (`Buffer.diff(from:)`, one pass,
/// producing `DrawRun`s of adjacent changed cells) and hands only those runs to a
/// `TerminalBackend`. Nothing is drawn straight to the terminal.
///
/// - **Styles**: a `Style` names a semantic `StyleRole` and/or explicit `Color`s plus
///   `TextAttributes`. Roles are resolved against the buffer's `Palette` (built from a theme)
///   as cells are written, so a theme change is just a different frame.
/// - **Text**: `DisplayWidth` gives column widths (wide CJK and emoji = 2, combining marks = 0);
///   `Buffer.set(string:at:style:clip:)` keeps wide graphemes whole and never writes outside
///   its clip; `Truncation` cuts with `…`, pads and wraps.
/// - **Layout**: `Rect.split(_:_:)` with `.fixed`, `.percent` and `.fill` constraints.
/// - **Widgets** draw from values they are given: `Table` (+ app-owned `TableState`),
///   `Sparkline`, `Gauge`, `FunctionBar`, `Dialog`, `StatusLine`, `Border`, and `TextInput`
///   (an editable line: state plus rendering).
/// - **Terminals**: `TerminalBackend` and `InputSource` are the seams; `Key`/`KeyEvent` are
///   the input vocabulary. `TestBackend` (TUICoreTesting) is an in-memory screen (`lines`, per-cell styles)
///   and `TestInput` a scripted input, so every screen is testable as text. The ncurses
///   implementation lives in `TUICurses`.
///
/// Threading: values here are `Sendable`; `Terminal` and backends are used from one thread.
public enum TUICore {
    /// The symbol used to mark truncated text.
    public static let ellipsis = Truncation.ellipsis
}
